"""What the commands' parsers share: option types, dataset options, errors; no Keras."""

from __future__ import annotations

import argparse
import math

from keras_mlpmix.errors import UserError

# The names of keras_mlpmix.datasets.DATASET_NAMES; a test keeps them equal.
DATASET_NAMES = ("shapes", "cifar10", "cifar100")


class CommandError(UserError):
    """A failure the user can fix; the command line prints it as one line."""


def _number(convert, valid, expected: str):
    """An argparse `type=`: `convert(text)` if it parses and `valid` accepts it."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not valid(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


positive_int = _number(int, lambda value: value >= 1, "a positive integer")
non_negative_int = _number(int, lambda value: value >= 0, "an integer >= 0")
non_negative_float = _number(float, lambda v: 0 <= v < math.inf, "a number >= 0")
positive_float = _number(non_negative_float, lambda value: value > 0, "a number > 0")
fraction = _number(non_negative_float, lambda v: 0 < v < 1, "a number in (0, 1)")


def add_dataset_arguments(parser, train: bool) -> None:
    """Adds `--dataset` and the options limiting the images read."""
    parser.add_argument(
        "--dataset",
        required=True,
        help=f"{', '.join(DATASET_NAMES)}, or a folder with one sub-folder of images "
        "per class (or with train/ and test/ (or val/) folders laid out that "
        "way). shapes is generated offline: 32 classes (8 shapes x 4 colours) of "
        "32x32 images, 5,000 for training and 1,000 for testing; cifar10 and "
        "cifar100 are downloaded by keras.datasets on first use (required).",
    )
    if train:
        parser.add_argument(
            "--train-images",
            type=positive_int,
            metavar="N",
            help="use only the first N training images, for a quick run (default: all)",
        )
    parser.add_argument(
        "--test-images",
        type=positive_int,
        metavar="N",
        help="use only the first N test images (default: all)",
    )
    parser.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="leave out files of a folder that are not readable images, with a "
        "warning each (default: stop at the first, naming it)",
    )
