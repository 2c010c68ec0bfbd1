"""A folder of images in class folders, read with Keras's directory loader."""

from __future__ import annotations

import importlib.util
import pathlib

import keras
import numpy as np

from keras_mlpmix.layers.argument_checks import check_pair, check_rate


def _reader_format() -> str:
    """The `format` of `image_dataset_from_directory` this machine can run."""
    if importlib.util.find_spec("tensorflow") is not None:
        return "tf"
    if importlib.util.find_spec("grain") is not None:
        return "grain"
    raise ImportError(
        "Reading a folder of images needs TensorFlow or Grain: "
        "pip install tensorflow-cpu, or pip install grain pillow."
    )


def _read(directory, image_size, seed, class_names=None, **split):
    """Reads images and labels into numpy, shuffled; one dataset or a (train, test) pair.

    Shuffled, because the loader lists the images class by class and
    `fit(validation_split=...)` holds out the last images.
    """
    try:
        datasets = keras.utils.image_dataset_from_directory(
            directory,
            class_names=class_names,
            image_size=image_size,
            batch_size=None,
            shuffle=True,
            seed=seed,
            format=_reader_format(),
            verbose=False,
            **split,
        )
    except ValueError as error:
        reason = " ".join(str(error).split())
        raise ValueError(
            f"Could not read images from {str(directory)!r}: {reason} Expected "
            "one sub-folder of images per class (.png, .jpg, .jpeg, .bmp or .gif)."
        ) from error
    if not split:
        datasets = [datasets]
    arrays = []
    for dataset in datasets:
        pairs = [
            (keras.ops.convert_to_numpy(image), int(label)) for image, label in dataset
        ]
        if not pairs:
            raise ValueError(
                f"Found no images for one of the splits of {str(directory)!r}; "
                "add more images per class."
            )
        images, labels = zip(*pairs, strict=True)
        arrays.append(
            (
                np.clip(np.round(np.stack(images)), 0, 255).astype("uint8"),
                np.asarray(labels, "int64"),
            )
        )
    return arrays


def load_image_folder(directory, image_size=32, test_fraction=0.2, seed=0):
    """Reads an image-classification set from a folder of class folders.

    The folder holds one sub-folder per class, named after it (classes are
    sorted by name). If it holds `train/` and `test/` folders, each laid
    out that way, those are the two splits; otherwise a random
    `test_fraction` of the images is held out for testing. Images are read
    with `keras.utils.image_dataset_from_directory` (through TensorFlow if
    installed, else through Grain), resized to `image_size` and shuffled.

    Args:
        directory: Path of the folder.
        image_size: Size the images are resized to, an int or a pair.
        test_fraction: Fraction in (0, 1) held out for testing when there is no
            `train/`/`test/` split.
        seed: Seed of the shuffling and of the random hold-out.

    Returns:
        `(x_train, y_train), (x_test, y_test), class_names`, with `uint8`
        images and `int64` labels.

    Raises:
        ValueError: if `directory` is not a folder of class folders of images.
        ImportError: if neither TensorFlow nor Grain is installed.

    Example:

    >>> import pathlib, tempfile
    >>> import keras
    >>> import numpy as np
    >>> from keras_mlpmix.datasets import load_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for label in ("cat", "dog"):
    ...     (root / label).mkdir()
    ...     for i in range(5):
    ...         image = np.full((40, 48, 3), 50 * i, "uint8")
    ...         keras.utils.save_img(root / label / f"{i}.png", image)
    >>> (x_train, y_train), (x_test, y_test), names = load_image_folder(root)
    Using 8 files for training.
    Using 2 files for validation.
    >>> x_train.shape, x_test.shape, names
    ((8, 32, 32, 3), (2, 32, 32, 3), ('cat', 'dog'))
    """
    path = pathlib.Path(directory)
    image_size = check_pair("image_size", image_size)
    if not check_rate("test_fraction", test_fraction) > 0:
        raise ValueError(
            f"`test_fraction` must be in (0, 1). Received: test_fraction={test_fraction}."
        )
    if not path.is_dir():
        raise ValueError(f"No folder at {str(path)!r}.")
    if (path / "train").is_dir() and (path / "test").is_dir():
        class_names = sorted(p.name for p in (path / "train").iterdir() if p.is_dir())
        (train,) = _read(path / "train", image_size, seed)
        (test,) = _read(path / "test", image_size, seed, class_names=class_names)
    else:
        class_names = sorted(p.name for p in path.iterdir() if p.is_dir())
        train, test = _read(
            path, image_size, seed, validation_split=test_fraction, subset="both"
        )
    return train, test, tuple(class_names)
