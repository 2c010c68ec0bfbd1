"""keras-mlpmix: attention-free, all-MLP vision models for Keras 3.

MLP-Mixer, FNet, gMLP and ResMLP `layers` and preset `models` in `keras.ops`, plus
`weights`, `datasets` and `training`. Names load on first use, so importing the
package imports no Keras and lets `backend_choice` pick a backend first.
"""

import importlib

from keras_mlpmix import backend_choice
from keras_mlpmix.version import __version__  # noqa: F401  (in __all__)

backend_choice.choose()

_LAYERS = (
    "MLP",
    "Affine",
    "DropPath",
    "FNetBlock",
    "FourierMixing",
    "HashDropout",
    "MixerBlock",
    "Patches",
    "PatchesToImage",
    "PositionEmbedding",
    "ResMLPBlock",
    "SpatialGatingUnit",
    "gMLPBlock",
)
_MODELS = (
    "Backbone",
    "FNetBackbone",
    "ImageClassifier",
    "ImagePreprocessor",
    "MLPMixerBackbone",
    "ResMLPBackbone",
    "gMLPBackbone",
    "list_presets",
)
# Each public name and the subpackage that defines it.
_EXPORTS = {**dict.fromkeys(_LAYERS, "layers"), **dict.fromkeys(_MODELS, "models")}
_SUBPACKAGES = ("datasets", "layers", "models", "training", "weights")

__all__ = sorted([*_EXPORTS, *_SUBPACKAGES, "__version__"])


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"keras_mlpmix.{_EXPORTS[name]}"), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"keras_mlpmix.{name}")
    else:
        raise AttributeError(f"module 'keras_mlpmix' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
