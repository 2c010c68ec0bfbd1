"""keras-mlpmix: attention-free, all-MLP vision models for Keras 3.

MLP-Mixer, FNet, gMLP and ResMLP building blocks (`keras_mlpmix.layers`)
and models with named presets (`keras_mlpmix.models`), written with
`keras.ops` only, so they run on TensorFlow, JAX and PyTorch. Checkpoint
files are read, checked and written by `keras_mlpmix.weights`;
`keras_mlpmix.datasets` and `keras_mlpmix.training` hold the datasets and
the training recipe of the `keras-mlpmix` command line.

Importing the package imports no Keras: the names below load on first use.
That lets the command line choose the Keras backend before Keras starts
(see `keras_mlpmix.backend_choice`): when `KERAS_BACKEND` is unset and the
backend Keras would pick is not installed, an installed one is used.
"""

import importlib

from keras_mlpmix import backend_choice
from keras_mlpmix.version import __version__  # noqa: F401  (in __all__)

backend_choice.choose()

# Each public name and the subpackage that defines it.
_EXPORTS = {
    **dict.fromkeys(
        (
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
        ),
        "layers",
    ),
    **dict.fromkeys(
        (
            "Backbone",
            "FNetBackbone",
            "ImageClassifier",
            "ImagePreprocessor",
            "MLPMixerBackbone",
            "ResMLPBackbone",
            "gMLPBackbone",
            "list_presets",
        ),
        "models",
    ),
}
_SUBPACKAGES = ("datasets", "layers", "models", "training", "weights")

__all__ = sorted([*_EXPORTS, *_SUBPACKAGES, "__version__"])


def __getattr__(name):
    if name in _EXPORTS:
        module = importlib.import_module(f"keras_mlpmix.{_EXPORTS[name]}")
        value = getattr(module, name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"keras_mlpmix.{name}")
    else:
        raise AttributeError(f"module 'keras_mlpmix' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
