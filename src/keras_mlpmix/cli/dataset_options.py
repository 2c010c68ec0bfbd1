"""The `--dataset` options shared by the subcommands that read images."""

from __future__ import annotations

from keras_mlpmix.cli.option_types import positive_int
from keras_mlpmix.datasets import DATASET_NAMES, load_dataset

DATASET_HELP = (
    f"{', '.join(DATASET_NAMES)}, or a folder with one sub-folder of images "
    "per class (and optionally train/ and test/ folders laid out that way). "
    "shapes is generated offline: 32 classes (8 shapes x 4 colours) of 32x32 "
    "images, 5,000 for training and 1,000 for testing; cifar10 and cifar100 "
    "are downloaded by keras.datasets on first use (required)"
)


def add_dataset_arguments(parser, train: bool) -> None:
    """Adds `--dataset` and the options limiting the number of images read."""
    parser.add_argument("--dataset", required=True, help=DATASET_HELP + ".")
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


def load(args, image_size):
    """Loads `args.dataset`, limited to the numbers of images asked for.

    Args:
        args: Parsed arguments with `dataset`, `seed`, `test_images` and
            possibly `train_images`.
        image_size: Size the images of a folder dataset are resized to.

    Returns:
        `(x_train, y_train), (x_test, y_test), class_names`.
    """
    (x_train, y_train), (x_test, y_test), class_names = load_dataset(
        args.dataset, image_size=image_size, seed=args.seed
    )
    train = slice(getattr(args, "train_images", None))
    test = slice(args.test_images)
    return (x_train[train], y_train[train]), (x_test[test], y_test[test]), class_names
