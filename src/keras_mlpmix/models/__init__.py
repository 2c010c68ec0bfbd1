"""The models of keras-mlpmix: one backbone per family, the classifier, presets."""

from keras_mlpmix.models.backbone import Backbone, MatmulShape
from keras_mlpmix.models.fnet import FNetBackbone
from keras_mlpmix.models.gmlp import gMLPBackbone
from keras_mlpmix.models.image_classifier import ImageClassifier
from keras_mlpmix.models.image_preprocessor import ImagePreprocessor
from keras_mlpmix.models.mlp_mixer import MLPMixerBackbone
from keras_mlpmix.models.preset_sources import parameter_count
from keras_mlpmix.models.presets import list_presets
from keras_mlpmix.models.resmlp import ResMLPBackbone
from keras_mlpmix.models.xla_model import XLAModel

__all__ = [
    "Backbone",
    "FNetBackbone",
    "ImageClassifier",
    "ImagePreprocessor",
    "MLPMixerBackbone",
    "MatmulShape",
    "ResMLPBackbone",
    "XLAModel",
    "gMLPBackbone",
    "list_presets",
    "parameter_count",
]
