"""Test a saved model on a dataset: top-1/top-5 accuracy and its confusions.

Reads a `.keras` file, such as the model.keras that `keras-mlpmix train`
writes, classifies the dataset's test images and prints the accuracy, the
accuracy per class (worst first) and the classes most often taken for
one another.

example:
  keras-mlpmix evaluate --model runs/mixer_cifar100-shapes/model.keras --dataset shapes
"""

from __future__ import annotations

import pathlib

import keras
import numpy as np

from keras_mlpmix.cli import dataset_options
from keras_mlpmix.cli.command_error import CommandError
from keras_mlpmix.cli.evaluation import (
    confusion_matrix,
    confusion_summary,
    top_k_accuracy,
)
from keras_mlpmix.cli.option_types import positive_int
from keras_mlpmix.models import ImageClassifier

HELP = "test a saved model: accuracy and a confusion summary"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--model",
        metavar="FILE",
        required=True,
        type=pathlib.Path,
        help="the .keras file of a classifier, e.g. the model.keras of a "
        "training run (required)",
    )
    dataset_options.add_dataset_arguments(parser, train=False)
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
        type=int,
        default=0,
        help="seed of a folder dataset's train/test split; use the one of "
        "training (default: %(default)s)",
    )


def _load_model(path: pathlib.Path) -> keras.Model:
    if not path.is_file():
        raise CommandError(f"No model file at {str(path)!r}.")
    try:
        return keras.saving.load_model(path)
    except Exception as error:
        # Whatever fails inside Keras, the file is not a model we can use.
        reason = " ".join(str(error).split()) or type(error).__name__
        raise CommandError(
            f"Could not load a Keras model from {str(path)!r} ({reason}); "
            "expected a .keras file saved by Keras 3, e.g. by keras-mlpmix train."
        ) from error


def _image_size(model: keras.Model):
    """The size a folder dataset is read at: what the model takes best."""
    if isinstance(model, ImageClassifier):
        return model.backbone.image_size
    height, width = model.input_shape[1:3]
    return (height, width) if height and width else 32


def run(args) -> None:
    model = _load_model(args.model)
    _, (x_test, y_test), class_names = dataset_options.load(args, _image_size(model))
    num_outputs = model.output_shape[-1]
    if num_outputs != len(class_names):
        raise CommandError(
            f"The model predicts {num_outputs} classes but {args.dataset} has "
            f"{len(class_names)}; evaluate it on the dataset it was trained on."
        )
    logits = keras.ops.convert_to_numpy(
        model.predict(x_test, batch_size=args.batch_size, verbose=0)
    )
    top1, top5 = (top_k_accuracy(logits, y_test, k) for k in (1, 5))
    print(
        f"{args.model} on {len(x_test):,} test images of {args.dataset} "
        f"({len(class_names)} classes, {keras.backend.backend()} backend): "
        f"top-1 accuracy {top1:.1%}, top-5 {top5:.1%}."
    )
    matrix = confusion_matrix(y_test, np.argmax(logits, axis=-1), len(class_names))
    print(confusion_summary(matrix, class_names))
