"""The work of `keras-mlpmix evaluate` (see `keras_mlpmix.cli.commands.evaluate`)."""

from __future__ import annotations

import pathlib

import keras
import numpy as np

from keras_mlpmix.cli import data_loading, run_folder
from keras_mlpmix.cli.accuracy import (
    confusion_matrix,
    confusion_summary,
    top_k_accuracy,
)
from keras_mlpmix.cli.command_error import CommandError
from keras_mlpmix.models import ImageClassifier
from keras_mlpmix.models.preset_files import is_preset_directory


def _model_path(args) -> pathlib.Path:
    if args.model is not None:
        return args.model
    folder = run_folder.default_folder(
        args.preset, args.dataset, keras.backend.backend()
    )
    path = folder / "model.keras"
    if not path.is_file():
        raise CommandError(
            f"No model of {args.preset} trained on {args.dataset} with the "
            f"{keras.backend.backend()} backend at {str(path)!r}; train one first "
            f"(keras-mlpmix train --preset {args.preset} --dataset {args.dataset}) "
            "or name a model file with --model."
        )
    return path


def load_model(path: pathlib.Path) -> keras.Model:
    """The classifier in a `.keras` file or a preset folder, or a one-line error."""
    if is_preset_directory(path):
        return ImageClassifier.from_preset(str(path))
    if not path.is_file():
        raise CommandError(f"No model file or preset folder at {str(path)!r}.")
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


def evaluate(args) -> None:
    path = _model_path(args)
    model = load_model(path)
    (x_test, y_test), class_names = data_loading.evaluation_data(
        args, _image_size(model)
    )
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
        f"{path} on {len(x_test):,} test images of {args.dataset} "
        f"({len(class_names)} classes, {keras.backend.backend()} backend): "
        f"top-1 accuracy {top1:.1%}, top-5 {top5:.1%}."
    )
    matrix = confusion_matrix(y_test, np.argmax(logits, axis=-1), len(class_names))
    print(confusion_summary(matrix, class_names))
