"""keras-mlpmix: attention-free, all-MLP vision models for Keras 3.

MLP-Mixer, FNet and gMLP building blocks (`keras_mlpmix.layers`) and models
with named presets (`keras_mlpmix.models`), written with `keras.ops` only, so
they run on TensorFlow, JAX and PyTorch. Pretrained checkpoints are loaded
and converted by `keras_mlpmix.weights`; `keras_mlpmix.datasets` and
`keras_mlpmix.training` hold the datasets and the training recipe of the
`keras-mlpmix` command line.
"""

from keras_mlpmix import datasets, layers, models, training, weights
from keras_mlpmix.layers import (
    MLP,
    AxisDense,
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
    "AxisDense",
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
    "datasets",
    "gMLPBackbone",
    "gMLPBlock",
    "layers",
    "list_presets",
    "models",
    "training",
    "weights",
]
