"""keras-mlpmix: attention-free, all-MLP vision models for Keras 3.

MLP-Mixer, FNet and gMLP building blocks (`keras_mlpmix.layers`) and models
with named presets (`keras_mlpmix.models`), written with `keras.ops` only, so
they run on TensorFlow, JAX and PyTorch; pretrained checkpoints are loaded
and converted by `keras_mlpmix.weights`.
"""

from keras_mlpmix import layers, models, weights
from keras_mlpmix.layers import (
    MLP,
    DropPath,
    FNetBlock,
    FourierMixing,
    HashDropout,
    MixerBlock,
    Patches,
    PatchesToImage,
    PositionEmbedding,
    SpatialGatingUnit,
    gMLPBlock,
)
from keras_mlpmix.models import (
    Backbone,
    FNetBackbone,
    ImageClassifier,
    ImagePreprocessor,
    MLPMixerBackbone,
    gMLPBackbone,
    list_presets,
)
from keras_mlpmix.version import __version__

__all__ = [
    "MLP",
    "Backbone",
    "DropPath",
    "FNetBackbone",
    "FNetBlock",
    "FourierMixing",
    "HashDropout",
    "ImageClassifier",
    "ImagePreprocessor",
    "MLPMixerBackbone",
    "MixerBlock",
    "Patches",
    "PatchesToImage",
    "PositionEmbedding",
    "SpatialGatingUnit",
    "__version__",
    "gMLPBackbone",
    "gMLPBlock",
    "layers",
    "list_presets",
    "models",
    "weights",
]
