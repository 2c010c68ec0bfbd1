"""The `--dataset` options of the subcommands that read images; imports no Keras."""

from __future__ import annotations

from keras_mlpmix.cli.option_types import positive_int

# The names of keras_mlpmix.datasets.DATASET_NAMES; a test keeps them equal.
DATASET_NAMES = ("shapes", "cifar10", "cifar100")
DATASET_HELP = (
    f"{', '.join(DATASET_NAMES)}, or a folder with one sub-folder of images "
    "per class (or with train/ and test/ (or val/) folders laid out that "
    "way). shapes is generated offline: 32 classes (8 shapes x 4 colours) of "
    "32x32 images, 5,000 for training and 1,000 for testing; cifar10 and "
    "cifar100 are downloaded by keras.datasets on first use (required)"
)


def add_dataset_arguments(parser, train: bool) -> None:
    """Adds `--dataset` and the options limiting the images read."""
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
    parser.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="leave out files of a folder that are not readable images, with a "
        "warning each (default: stop at the first, naming it)",
    )


def dataset_name(dataset: str) -> str:
    """The name a dataset goes by in run folder names: a folder's own name."""
    return dataset.rstrip("/\\").replace("\\", "/").rpartition("/")[2] or dataset
