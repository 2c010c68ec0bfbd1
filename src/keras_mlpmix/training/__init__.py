"""Training: the keras-io example's recipe and its augmentation layer."""

from keras_mlpmix.training.random_zoom_rotation import RandomZoomRotation
from keras_mlpmix.training.recipe import Recipe

__all__ = ["RandomZoomRotation", "Recipe"]
