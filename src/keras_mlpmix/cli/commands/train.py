"""Train a classifier from a preset on a dataset, and test it.

The keras-io example's recipe ("Image classification with modern MLP models"):
AdamW on sparse categorical cross-entropy from logits; random horizontal flip,
zoom (20%) and rotation (2% of a turn) of the training images, which the model
resizes to the preset's size; 10% held out for validation; the learning rate
halved after 5 epochs without progress, training stopped after 10. The epoch
with the best validation accuracy is kept and tested.

Weight decay: Keras 3's AdamW removes learning rate x weight decay of each weight
per step; the TF-Addons AdamW behind the published results removed 1e-4. The
default, 1e-4 / learning rate, matches that at the starting learning rate; 1e-4
in Keras 3 would decay about 200 times less.

Writes to the output folder: model.keras (the best model, for raw images of any
size), history.json and history.csv (per-epoch metrics), summary.json (settings
and test accuracy), curves.png and predictions.png (need matplotlib: pip install
'keras-mlpmix[plots]'); with --save-preset, also a preset folder.

example (offline, under a minute on two CPU cores):
  keras-mlpmix train --preset mixer_cifar100 --dataset shapes --epochs 3 --image-size 32
"""

from __future__ import annotations

import pathlib

from keras_mlpmix.cli.options import (
    add_dataset_arguments,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)

HELP = "train a preset on a dataset and report its test accuracy"
# Recipe()'s defaults and each family's recipe_learning_rate; a test keeps them equal.
DEFAULT_EPOCHS = 50
DEFAULT_BATCH_SIZE = 128
LEARNING_RATES = "0.005 for MLP-Mixer, 0.001 for FNet, 0.003 for gMLP and ResMLP"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--preset",
        required=True,
        help="the model to train: a preset name, e.g. mixer_cifar100 "
        "(`keras-mlpmix presets` lists them), or a preset folder (required)",
    )
    add_dataset_arguments(parser, train=True)
    parser.add_argument(
        "--epochs",
        metavar="N",
        type=positive_int,
        default=DEFAULT_EPOCHS,
        help="most epochs to train; early stopping may end sooner "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        metavar="N",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        help="images per step (default: %(default)s)",
    )
    parser.add_argument(
        "--learning-rate",
        metavar="RATE",
        type=positive_float,
        help="AdamW's starting learning rate "
        f"(default: the family's, {LEARNING_RATES})",
    )
    parser.add_argument(
        "--weight-decay",
        metavar="DECAY",
        type=non_negative_float,
        help="AdamW's decoupled weight decay, which Keras 3 multiplies by the "
        "learning rate (default: 1e-4 / learning rate, e.g. 0.02 at 0.005: the "
        "per-step decay of the example's published results)",
    )
    parser.add_argument(
        "--image-size",
        metavar="PIXELS",
        type=positive_int,
        help="size the model resizes images to; a multiple of the preset's "
        "patch size. Token-mixing weights depend on it (default: the "
        "preset's, 64 for the CIFAR-100 presets)",
    )
    parser.add_argument(
        "--output",
        metavar="DIR",
        type=pathlib.Path,
        help="folder to write the model, history and figures to; refused if "
        "it holds a previous run, unless --overwrite (default: "
        "runs/PRESET-DATASET-BACKEND)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the files of a previous run in --output (default: refuse)",
    )
    parser.add_argument(
        "--save-preset",
        metavar="DIR",
        type=pathlib.Path,
        help="also save the best model as a preset folder, which "
        "ImageClassifier.from_preset(DIR) loads on any backend (default: none)",
    )
    parser.add_argument(
        "--seed",
        metavar="N",
        type=non_negative_int,
        default=0,
        help="seed of the initial weights, the augmentation and a folder "
        "dataset's train/test split (default: %(default)s)",
    )
