"""Image-classification datasets for training and evaluating the models.

`load_shapes` generates a small, learnable set offline; `load_cifar` wraps
`keras.datasets`; `load_image_folder` reads a folder of class folders;
`load_dataset` picks one by name or path. Each returns
`(x_train, y_train), (x_test, y_test), class_names` with `uint8` images.
"""

from keras_mlpmix.datasets.catalog import DATASET_NAMES, load_dataset
from keras_mlpmix.datasets.cifar import DatasetUnavailableError, load_cifar
from keras_mlpmix.datasets.image_folder import load_image_folder
from keras_mlpmix.datasets.shapes import load_shapes

__all__ = [
    "DATASET_NAMES",
    "DatasetUnavailableError",
    "load_cifar",
    "load_dataset",
    "load_image_folder",
    "load_shapes",
]
