"""Training: the keras-io example's recipe and its augmentation layer."""

from keras_mlpmix.training.recipe import RandomZoomRotation, Recipe

__all__ = ["RandomZoomRotation", "Recipe"]
