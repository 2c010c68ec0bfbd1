"""Image-classification datasets, as `uint8` images, `int64` labels and class names.

Shapes (offline), CIFAR-10/100 and image folders; `load_dataset` picks one by name.
"""

from keras_mlpmix.datasets.catalog import (
    DATASET_NAMES,
    DatasetUnavailableError,
    load_cifar,
    load_dataset,
    load_image_folder,
    load_test_folder,
    load_test_set,
)
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
