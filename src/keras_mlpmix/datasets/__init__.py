"""Image-classification datasets for training and evaluating the models.

`load_shapes` generates a small, learnable set offline; `load_cifar` wraps
`keras.datasets`; `load_image_folder` reads a folder of class folders;
`load_dataset` picks one by name or path, and `load_test_set` gives what to
evaluate a model on. Each returns `uint8` images with `int64` labels and the
class names.
"""

from keras_mlpmix.datasets.catalog import DATASET_NAMES, load_dataset, load_test_set
from keras_mlpmix.datasets.cifar import DatasetUnavailableError, load_cifar
from keras_mlpmix.datasets.image_folder import load_image_folder, load_test_folder
from keras_mlpmix.datasets.shapes import load_shapes

__all__ = [
    "DATASET_NAMES",
    "DatasetUnavailableError",
    "load_cifar",
    "load_dataset",
    "load_image_folder",
    "load_shapes",
    "load_test_folder",
    "load_test_set",
]
