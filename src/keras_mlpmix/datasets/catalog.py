"""Datasets by name: the offline Shapes set, CIFAR-10/100, or a folder."""

from __future__ import annotations

import os
import pathlib

from keras_mlpmix.datasets.cifar import load_cifar
from keras_mlpmix.datasets.image_folder import load_image_folder, load_test_folder
from keras_mlpmix.datasets.shapes import load_shapes
from keras_mlpmix.errors import InvalidTypeError, InvalidValueError

DATASET_NAMES = ("shapes", "cifar10", "cifar100")


def _check_name(name) -> str:
    if not isinstance(name, (str, os.PathLike)):
        raise InvalidTypeError(
            "`name` must be a dataset name or a folder path. Received: "
            f"name={name!r} of type {type(name).__name__}."
        )
    name = os.fspath(name)
    if name not in DATASET_NAMES and not pathlib.Path(name).is_dir():
        raise InvalidValueError(
            f"Unknown dataset {name!r}: it is neither one of "
            f"{', '.join(DATASET_NAMES)} nor a folder of class folders of images."
        )
    return name


def load_dataset(name, image_size=32, seed: int = 0, skip_unreadable: bool = False):
    """Returns a named dataset, or the one in a folder of class folders.

    Args:
        name: `"shapes"` (offline), `"cifar10"` or `"cifar100"` (downloaded on first
            use), or the path of a folder of class folders.
        image_size: Size folder images are resized to; named datasets are 32x32.
        seed: Seed of a folder's shuffling and random train/test split.
        skip_unreadable: Skip a folder's unreadable files with a warning each.

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
    name = _check_name(name)
    if name == "shapes":
        return load_shapes()
    if name in ("cifar10", "cifar100"):
        return load_cifar(name)
    return load_image_folder(
        name, image_size=image_size, seed=seed, skip_unreadable=skip_unreadable
    )


def load_test_set(
    name, image_size=32, seed: int = 0, test_fraction=None, skip_unreadable=False
):
    """The images to evaluate a model on: a dataset's test split, or a whole folder.

    A folder gives its `test/` (or `val/`) split beside `train/`, else all its
    images (see `load_test_folder`).

    Args:
        name, image_size, seed, skip_unreadable: As for `load_dataset`.
        test_fraction: The fraction of a folder that a training run held out to
            evaluate on; refused for a named dataset.

    Returns:
        `(x_test, y_test), class_names`.

    Example:

    >>> from keras_mlpmix.datasets import load_test_set
    >>> (x_test, y_test), class_names = load_test_set("shapes")
    >>> x_test.shape, len(class_names)
    ((1000, 32, 32, 3), 32)
    """
    name = _check_name(name)
    if name in DATASET_NAMES:
        if test_fraction is not None:
            raise InvalidValueError(
                f"`test_fraction` applies to a folder of images; {name} has its own "
                f"test split. Received: test_fraction={test_fraction}."
            )
        _, test, class_names = load_dataset(name)
        return test, class_names
    return load_test_folder(name, image_size, test_fraction, seed, skip_unreadable)
