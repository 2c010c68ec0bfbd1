"""Datasets by name: the offline Shapes set, CIFAR-10/100, or a folder."""

from __future__ import annotations

import pathlib

from keras_mlpmix.datasets.cifar import load_cifar
from keras_mlpmix.datasets.image_folder import load_image_folder
from keras_mlpmix.datasets.shapes import load_shapes

DATASET_NAMES = ("shapes", "cifar10", "cifar100")


def load_dataset(name: str, image_size=32, seed: int = 0):
    """Returns a named dataset, or the one in a folder of class folders.

    Args:
        name: `"shapes"` (generated offline, see `load_shapes`),
            `"cifar10"` or `"cifar100"` (downloaded by `keras.datasets` on
            first use, see `load_cifar`), or the path of a folder of class
            folders (see `load_image_folder`).
        image_size: Size folder images are resized to; the named datasets
            are 32x32.
        seed: Seed of a folder's random train/test split.

    Returns:
        `(x_train, y_train), (x_test, y_test), class_names`.

    Raises:
        ValueError: if `name` is neither a dataset name nor a folder.
        DatasetUnavailableError: if a download fails.

    Example:

    >>> from keras_mlpmix.datasets import load_dataset
    >>> (x_train, y_train), _, class_names = load_dataset("shapes")
    >>> x_train.shape, class_names[:2]
    ((5000, 32, 32, 3), ('red disk', 'green disk'))
    """
    if name == "shapes":
        return load_shapes()
    if name in ("cifar10", "cifar100"):
        return load_cifar(name)
    if pathlib.Path(name).is_dir():
        return load_image_folder(name, image_size=image_size, seed=seed)
    raise ValueError(
        f"Unknown dataset {name!r}: it is neither one of {', '.join(DATASET_NAMES)} "
        "nor a folder of class folders of images."
    )
