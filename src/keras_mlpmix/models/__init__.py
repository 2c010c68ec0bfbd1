"""The models of keras-mlpmix: backbones, the image classifier and presets."""

from keras_mlpmix.models.backbone import Backbone
from keras_mlpmix.models.fnet_backbone import FNetBackbone
from keras_mlpmix.models.gmlp_backbone import gMLPBackbone
from keras_mlpmix.models.image_classifier import ImageClassifier
from keras_mlpmix.models.image_preprocessor import ImagePreprocessor
from keras_mlpmix.models.mlp_mixer_backbone import MLPMixerBackbone
from keras_mlpmix.models.presets import list_presets
from keras_mlpmix.models.xla_model import XLAModel

__all__ = [
    "Backbone",
    "FNetBackbone",
    "ImageClassifier",
    "ImagePreprocessor",
    "MLPMixerBackbone",
    "XLAModel",
    "gMLPBackbone",
    "list_presets",
]
