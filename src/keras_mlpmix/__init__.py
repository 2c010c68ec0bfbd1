"""keras-mlpmix: attention-free, all-MLP vision models for Keras 3.

MLP-Mixer, FNet and gMLP building blocks written with `keras.ops` only, so
they run on TensorFlow, JAX and PyTorch.
"""

from keras_mlpmix import layers
from keras_mlpmix.layers import (
    MLP,
    DropPath,
    FNetBlock,
    FourierMixing,
    MixerBlock,
    Patches,
    PatchesToImage,
    PositionEmbedding,
    SpatialGatingUnit,
    gMLPBlock,
)
from keras_mlpmix.version import __version__

__all__ = [
    "MLP",
    "DropPath",
    "FNetBlock",
    "FourierMixing",
    "MixerBlock",
    "Patches",
    "PatchesToImage",
    "PositionEmbedding",
    "SpatialGatingUnit",
    "__version__",
    "gMLPBlock",
    "layers",
]
