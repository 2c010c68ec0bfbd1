"""Datasets by name: the offline Shapes set, CIFAR-10/100 or a folder of class folders.

A folder's images are read one file at a time with `keras.utils.load_img`, so an
unreadable one is named or skipped.
"""

from __future__ import annotations

import logging
import os
import pathlib

import keras
import numpy as np

from keras_mlpmix.datasets.shapes import load_shapes
from keras_mlpmix.errors import (
    DownloadError,
    InvalidTypeError,
    InvalidValueError,
    one_line,
)
from keras_mlpmix.layers.argument_checks import (
    check_bool,
    check_int,
    check_pair,
    check_rate,
)

logger = logging.getLogger("keras_mlpmix")

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
# Sub-folders that hold a folder's test split, most preferred first.
TEST_FOLDERS = ("test", "val")
DATASET_NAMES = ("shapes", "cifar10", "cifar100")

CIFAR10_CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
# The 100 fine labels, in label order.
CIFAR100_CLASS_NAMES = (
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle",
    "bicycle", "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel",
    "can", "castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock",
    "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
    "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster",
    "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
    "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse",
    "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear",
    "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine",
    "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea",
    "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
    "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
    "telephone", "television", "tiger", "tractor", "train", "trout", "tulip",
    "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
)  # fmt: skip

_CIFAR = {
    "cifar10": (keras.datasets.cifar10, CIFAR10_CLASS_NAMES),
    "cifar100": (keras.datasets.cifar100, CIFAR100_CLASS_NAMES),
}


def split_folders(directory) -> tuple[pathlib.Path, pathlib.Path] | None:
    """`(train, test)` sub-folders of `directory` (`test/` or `val/`), or None."""
    root = pathlib.Path(directory)
    train = root / "train"
    for name in TEST_FOLDERS:
        if train.is_dir() and (root / name).is_dir():
            return train, root / name
    return None


def _class_folder_names(root: pathlib.Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def read_class_folders(
    directory, image_size=32, class_names=None, skip_unreadable: bool = False
):
    """Reads every image under the class folders of `directory`, in order.

    Args:
        directory: A folder with one sub-folder of images per class.
        image_size: Size the images are resized to (bilinear), an int or a pair.
        class_names: The classes, in label order (a split's folder must hold
            these); the sub-folders' sorted names when None.
        skip_unreadable: Skip unreadable files with a warning each, instead of
            raising.

    Returns:
        `(images, labels, class_names)`: `uint8` images `(N, H, W, 3)`, `int64`
        labels and a tuple of names.

    Raises:
        ValueError: if `directory` is not a folder of class folders of images, or
            a file cannot be read (unless `skip_unreadable`).
    """
    root = pathlib.Path(directory)
    height, width = check_pair("image_size", image_size)
    skip_unreadable = check_bool("skip_unreadable", skip_unreadable)
    if not root.is_dir():
        raise InvalidValueError(f"No folder at {str(root)!r}.")
    found = _class_folder_names(root)
    names = tuple(found if class_names is None else class_names)
    if class_names is not None and set(found) - set(names):
        raise InvalidValueError(
            f"{str(root)!r} has class folders {sorted(set(found) - set(names))} "
            f"that the training folder lacks; its classes are {list(names)}."
        )
    images, labels = [], []
    for label, name in enumerate(names):
        folder = root / name
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                continue
            try:
                image = keras.utils.load_img(
                    path, color_mode="rgb", target_size=(height, width),
                    interpolation="bilinear",
                )  # fmt: skip
            except (OSError, ValueError, SyntaxError) as error:
                reason = one_line(error)
                if not skip_unreadable:
                    raise InvalidValueError(
                        f"Could not read the image {str(path)!r} ({reason}). Remove "
                        "or replace it, or leave unreadable files out with "
                        "skip_unreadable=True (--skip-unreadable on the command line)."
                    ) from error
                logger.warning("Skipped %s: not a readable image (%s).", path, reason)
                continue
            images.append(np.asarray(image, dtype="uint8"))
            labels.append(label)
    if not images:
        raise InvalidValueError(
            f"Found no images in {str(root)!r}. Expected one sub-folder of images "
            f"per class ({', '.join(IMAGE_SUFFIXES)})."
        )
    return np.stack(images), np.asarray(labels, "int64"), names


def _check_test_fraction(test_fraction) -> None:
    if not 0 < check_rate("test_fraction", test_fraction) < 1:
        raise InvalidValueError(
            f"`test_fraction` must be in (0, 1). Received: test_fraction={test_fraction}."
        )


def _shuffled(images, labels, seed):
    order = np.random.default_rng(seed).permutation(len(labels))
    return images[order], labels[order]


def load_image_folder(
    directory, image_size=32, test_fraction=0.2, seed=0, skip_unreadable: bool = False
):
    """Reads an image-classification set from a folder of class folders.

    Classes are the sub-folders, sorted by name. With `train/` and `test/` (or
    `val/`) folders laid out that way, those are the splits; otherwise a random
    `test_fraction` is held out. Images are resized and shuffled.

    Args:
        directory: Path of the folder.
        image_size: Size the images are resized to, an int or a pair.
        test_fraction: Fraction in (0, 1) held out when there is no split.
        seed: Seed (an integer >= 0) of the shuffling and of the hold-out.
        skip_unreadable: Skip unreadable files with a warning each, instead of
            raising.

    Returns:
        `(x_train, y_train), (x_test, y_test), class_names`, with `uint8`
        images and `int64` labels.

    Raises:
        ValueError: if `directory` is not a folder of class folders of images, or
            holds an unreadable image (unless `skip_unreadable`).

    Example:

    >>> import pathlib, tempfile
    >>> import keras
    >>> import numpy as np
    >>> from keras_mlpmix.datasets import load_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for label in ("cat", "dog"):
    ...     (root / label).mkdir()
    ...     for i in range(5):
    ...         keras.utils.save_img(root / label / f"{i}.png", np.zeros((40, 48, 3)))
    >>> (x_train, y_train), (x_test, y_test), names = load_image_folder(root)
    >>> x_train.shape, x_test.shape, names
    ((8, 32, 32, 3), (2, 32, 32, 3), ('cat', 'dog'))
    """
    _check_test_fraction(test_fraction)
    seed = check_int("seed", seed, minimum=0)
    splits = split_folders(directory)
    if splits is not None:
        shuffled, names = [], None
        for folder in splits:  # the test folder's classes must be the training ones
            images, labels, names = read_class_folders(
                folder, image_size, names, skip_unreadable
            )
            shuffled.append(_shuffled(images, labels, seed))
        return shuffled[0], shuffled[1], names
    images, labels, names = read_class_folders(
        directory, image_size, skip_unreadable=skip_unreadable
    )
    images, labels = _shuffled(images, labels, seed)
    held_out = max(1, round(len(labels) * test_fraction))
    if held_out >= len(labels):
        raise InvalidValueError(
            f"{os.fspath(directory)!r} holds {len(labels)} images: too few to hold "
            f"out a test fraction of {test_fraction} and train on the rest."
        )
    return (
        (images[held_out:], labels[held_out:]),
        (images[:held_out], labels[:held_out]),
        names,
    )


def load_test_folder(
    directory, image_size=32, test_fraction=None, seed=0, skip_unreadable=False
):
    """The images to evaluate a model on, from a folder.

    A folder with `train/` and `test/` (or `val/`) gives its test split; any other
    is used whole, unless `test_fraction` asks for the part `load_image_folder`
    holds out with the same `seed`.

    Args:
        directory, image_size, seed, skip_unreadable: As for `load_image_folder`.
        test_fraction: Evaluate on the fraction held out in training, or None.

    Returns:
        `(x_test, y_test), class_names`.

    Example:

    >>> import pathlib, tempfile
    >>> import keras
    >>> import numpy as np
    >>> from keras_mlpmix.datasets import load_test_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for label in ("cat", "dog"):
    ...     (root / label).mkdir()
    ...     for i in range(5):
    ...         keras.utils.save_img(root / label / f"{i}.png", np.zeros((8, 8, 3)))
    >>> (x_test, y_test), names = load_test_folder(root)
    >>> len(x_test), names  # every image of the folder
    (10, ('cat', 'dog'))
    """
    splits = split_folders(directory)
    if splits is None:
        if test_fraction is None:
            images, labels, names = read_class_folders(
                directory, image_size, None, skip_unreadable
            )
            return (images, labels), names
        _, test, names = load_image_folder(
            directory, image_size, test_fraction, seed, skip_unreadable
        )
        return test, names
    # Only the test (or val) folder is read, labelled by the training classes.
    if test_fraction is not None:
        _check_test_fraction(test_fraction)
    images, labels, names = read_class_folders(
        splits[1], image_size, _class_folder_names(splits[0]), skip_unreadable
    )
    return _shuffled(images, labels, check_int("seed", seed, minimum=0)), names


class DatasetUnavailableError(DownloadError):
    """A dataset could not be obtained, e.g. its download failed; an `OSError`.

    Example:

    >>> from keras_mlpmix.datasets import DatasetUnavailableError
    >>> try:
    ...     raise DatasetUnavailableError("Could not download cifar100.")
    ... except OSError as error:
    ...     print(error)
    Could not download cifar100.
    """


def load_cifar(name: str):
    """Returns CIFAR-10 or CIFAR-100, downloaded to `~/.keras/datasets` on first use.

    Args:
        name: `"cifar10"` or `"cifar100"` (fine labels).

    Returns:
        `(x_train, y_train), (x_test, y_test), class_names`: `uint8` images
        `(N, 32, 32, 3)` and integer labels `(N,)`.

    Raises:
        DatasetUnavailableError: if the download fails (e.g. no network).

    Example:

    An unknown name is refused before anything is downloaded:

    >>> from keras_mlpmix.datasets import load_cifar
    >>> load_cifar("mnist")
    Traceback (most recent call last):
    ...
    keras_mlpmix.errors.InvalidValueError: `name` must be one of ('cifar10', 'cifar100'). Received: name='mnist'.
    """
    if name not in _CIFAR:
        raise InvalidValueError(
            f"`name` must be one of {tuple(_CIFAR)}. Received: name={name!r}."
        )
    module, class_names = _CIFAR[name]
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except Exception as error:
        raise DatasetUnavailableError(
            f"Could not download {name} through keras.datasets ({one_line(error)}). "
            "Connect to the internet once (the files are then kept in "
            "~/.keras/datasets), or use the offline dataset `shapes` or a "
            "folder of images."
        ) from error
    return (x_train, y_train.reshape(-1)), (x_test, y_test.reshape(-1)), class_names


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
    if name in _CIFAR:
        return load_cifar(name)
    return load_image_folder(
        name, image_size=image_size, seed=seed, skip_unreadable=skip_unreadable
    )


def load_test_set(
    name, image_size=32, seed: int = 0, test_fraction=None, skip_unreadable=False
):
    """The images to evaluate a model on: a dataset's test split, or a whole folder.

    A folder is read by `load_test_folder`: its `test/` (or `val/`) split, or all.

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
