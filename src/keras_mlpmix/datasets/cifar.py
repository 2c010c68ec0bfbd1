"""CIFAR-10 and CIFAR-100 through `keras.datasets`, with their class names."""

from __future__ import annotations

import keras

from keras_mlpmix.errors import DownloadError, InvalidValueError

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
        reason = " ".join(str(error).split())
        raise DatasetUnavailableError(
            f"Could not download {name} through keras.datasets ({reason}). "
            "Connect to the internet once (the files are then kept in "
            "~/.keras/datasets), or use the offline dataset `shapes` or a "
            "folder of images."
        ) from error
    return (x_train, y_train.reshape(-1)), (x_test, y_test.reshape(-1)), class_names
