"""Test a saved model on a dataset: top-1/top-5 accuracy and its confusions.

The model is the run of `keras-mlpmix train` with the same --preset and --dataset
on this backend (runs/PRESET-DATASET-BACKEND/model.keras), or a .keras file or
preset folder named with --model. Prints the accuracy, the accuracy per class
(worst first) and the classes most often confused. A folder dataset is used
whole, or its test/ (or val/) folder beside train/; --test-fraction evaluates
the part a training run held out.

examples:
  keras-mlpmix evaluate --preset mixer_cifar100 --dataset shapes
  keras-mlpmix evaluate --model runs/mixer_cifar100-shapes-jax/model.keras --dataset shapes
"""

from __future__ import annotations

import pathlib

from keras_mlpmix.cli.options import (
    add_dataset_arguments,
    fraction,
    non_negative_int,
    positive_int,
)

HELP = "test a saved model: accuracy and a confusion summary"


def add_arguments(parser) -> None:
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument(
        "--model",
        metavar="PATH",
        type=pathlib.Path,
        help="a .keras file of a classifier, or a preset folder "
        "(this or --preset is required)",
    )
    model.add_argument(
        "--preset",
        metavar="NAME",
        help="evaluate the model that `keras-mlpmix train --preset "
        "NAME` wrote for --dataset on this backend, in runs/ (this "
        "or --model is required)",
    )
    add_dataset_arguments(parser, train=False)
    parser.add_argument(
        "--test-fraction",
        metavar="F",
        type=fraction,
        help="evaluate on the fraction of a plain folder that training held out, "
        "with the same --seed (default: the whole folder)",
    )
    parser.add_argument(
        "--batch-size",
        metavar="N",
        type=positive_int,
        default=128,
        help="images per prediction step (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        metavar="N",
        type=non_negative_int,
        default=0,
        help="seed of a folder dataset's train/test split; use the one of "
        "training (default: %(default)s)",
    )
