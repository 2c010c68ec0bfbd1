"""A folder of images in class folders (sorted by name), read one file at a time.

`keras.utils.load_img` reads each file, so an unreadable one is named or skipped.
"""

from __future__ import annotations

import logging
import os
import pathlib

import keras
import numpy as np

from keras_mlpmix.errors import InvalidValueError
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


def class_folders(directory) -> list[str]:
    """The class folder names of `directory`, sorted."""
    return sorted(p.name for p in pathlib.Path(directory).iterdir() if p.is_dir())


def split_folders(directory) -> tuple[pathlib.Path, pathlib.Path] | None:
    """`(train, test)` sub-folders of `directory` (`test/` or `val/`), or None."""
    root = pathlib.Path(directory)
    train = root / "train"
    for name in TEST_FOLDERS:
        if train.is_dir() and (root / name).is_dir():
            return train, root / name
    return None


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
    found = class_folders(root)
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
                reason = " ".join(str(error).split()) or type(error).__name__
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
    if not 0 < check_rate("test_fraction", test_fraction) < 1:
        raise InvalidValueError(
            f"`test_fraction` must be in (0, 1). Received: test_fraction={test_fraction}."
        )
    seed = check_int("seed", seed, minimum=0)
    splits = split_folders(directory)
    if splits is not None:
        train_folder, test_folder = splits
        x_train, y_train, names = read_class_folders(
            train_folder, image_size, skip_unreadable=skip_unreadable
        )
        x_test, y_test, _ = read_class_folders(
            test_folder, image_size, class_names=names, skip_unreadable=skip_unreadable
        )
        return _shuffled(x_train, y_train, seed), _shuffled(x_test, y_test, seed), names
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
    if test_fraction is not None or split_folders(directory) is not None:
        _, test, names = load_image_folder(
            directory, image_size, test_fraction or 0.2, seed, skip_unreadable
        )
        return test, names
    images, labels, names = read_class_folders(
        directory, image_size, skip_unreadable=skip_unreadable
    )
    return (images, labels), names
