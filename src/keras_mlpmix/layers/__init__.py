"""The blocks of MLP-Mixer, FNet, gMLP and ResMLP, and the layers they are made of."""

from keras_mlpmix.layers.drop_path import DropPath
from keras_mlpmix.layers.fnet_block import FNetBlock
from keras_mlpmix.layers.fourier_mixing import FourierMixing
from keras_mlpmix.layers.gmlp_block import gMLPBlock
from keras_mlpmix.layers.hash_dropout import HashDropout
from keras_mlpmix.layers.mixer_block import MixerBlock
from keras_mlpmix.layers.mlp import MLP
from keras_mlpmix.layers.patches import Patches, PatchesToImage
from keras_mlpmix.layers.position_embedding import PositionEmbedding
from keras_mlpmix.layers.resmlp_block import Affine, ResMLPBlock
from keras_mlpmix.layers.spatial_gating_unit import SpatialGatingUnit

__all__ = [
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
]
