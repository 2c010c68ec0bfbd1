"""Train a classifier from a preset on a dataset, and test it.

The recipe is the keras-io example's ("Image classification with modern
MLP models"): AdamW on sparse categorical cross-entropy from logits,
random horizontal flip, zoom (20%) and rotation (2% of a turn) of the
training images, which the model resizes to the preset's image size, 10%
of the training images held out for validation, the learning rate halved
after 5 epochs without progress and training stopped after 10. The model
of the epoch with the best validation accuracy is kept and tested.

Weight decay: Keras 3's AdamW removes learning rate x weight decay of
each weight per step; the TF-Addons AdamW behind the example's published
results removed the weight decay itself (1e-4). The default weight decay,
1e-4 / learning rate, removes that same amount at the starting learning
rate; 1e-4 in Keras 3 would decay about 200 times less.

Writes to the output folder: model.keras (the best model; it takes raw
images of any size), history.json and history.csv (metrics per epoch),
summary.json (settings and test accuracy), curves.png (loss and accuracy
per epoch) and predictions.png (test images with predicted and true
class; both figures need matplotlib: pip install 'keras-mlpmix[plots]').

example (offline, a few minutes on two CPU cores):
  keras-mlpmix train --preset mixer_cifar100 --dataset shapes --epochs 3
"""

from __future__ import annotations

import json
import math
import pathlib
import time

import keras
import numpy as np

from keras_mlpmix.cli import dataset_options, figures, run_folder
from keras_mlpmix.cli.best_model_checkpoint import BestModelCheckpoint
from keras_mlpmix.cli.evaluation import top_k_accuracy
from keras_mlpmix.cli.option_types import (
    non_negative_float,
    positive_float,
    positive_int,
)
from keras_mlpmix.models import ImageClassifier
from keras_mlpmix.models.presets import get_preset
from keras_mlpmix.training import Recipe
from keras_mlpmix.training.recipe import LEARNING_RATES

HELP = "train a preset on a dataset and report its test accuracy"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--preset",
        required=True,
        help="the model to train, e.g. mixer_cifar100; `keras-mlpmix presets` "
        "lists them (required)",
    )
    dataset_options.add_dataset_arguments(parser, train=True)
    defaults = Recipe()
    parser.add_argument(
        "--epochs",
        metavar="N",
        type=positive_int,
        default=defaults.epochs,
        help="most epochs to train; early stopping may end sooner (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        metavar="N",
        type=positive_int,
        default=defaults.batch_size,
        help="images per step (default: %(default)s)",
    )
    rates = ", ".join(
        f"{rate} for {family.removesuffix('Backbone')}"
        for family, rate in LEARNING_RATES.items()
    )
    parser.add_argument(
        "--learning-rate",
        metavar="RATE",
        type=positive_float,
        help=f"AdamW's starting learning rate (default: the example's, {rates})",
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
        "runs/PRESET-DATASET)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the files of a previous run in --output (default: refuse)",
    )
    parser.add_argument(
        "--seed",
        metavar="N",
        type=int,
        default=0,
        help="seed of the initial weights, the augmentation and a folder "
        "dataset's train/test split (default: %(default)s)",
    )


def _default_output(args) -> pathlib.Path:
    return pathlib.Path("runs") / f"{args.preset}-{pathlib.Path(args.dataset).name}"


def run(args) -> None:
    started = time.perf_counter()
    row = get_preset(args.preset)
    output = args.output or _default_output(args)
    run_folder.check_free(output, args.overwrite)
    recipe = Recipe.for_preset(
        args.preset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        weight_decay=args.weight_decay,
    )
    image_size = args.image_size or row["image_size"]
    (x_train, y_train), (x_test, y_test), class_names = dataset_options.load(
        args, image_size
    )
    keras.utils.set_random_seed(args.seed)
    classifier = ImageClassifier.from_preset(
        args.preset,
        num_classes=len(class_names),
        include_preprocessing=True,
        image_size=image_size,
    )
    # Keras's fit() keeps the first floor(N * (1 - split)) images for training.
    validation = len(x_train) - math.floor(len(x_train) * (1 - recipe.validation_split))
    print(
        f"Training {args.preset} ({classifier.count_params():,} weights, "
        f"{image_size}x{image_size} inputs) on {args.dataset}: "
        f"{len(x_train) - validation:,} training, {validation:,} validation and "
        f"{len(x_test):,} test images of {len(class_names)} classes; "
        f"{keras.backend.backend()} backend, learning rate {recipe.learning_rate:g}, "
        f"weight decay {recipe.weight_decay:g}."
    )

    output.mkdir(parents=True, exist_ok=True)
    model_path = output / "model.keras"
    checkpoint = BestModelCheckpoint(
        classifier,
        model_path,
        monitor="val_accuracy" if validation else "accuracy",
    )
    history = recipe.fit(
        classifier, x_train, y_train, callbacks=[checkpoint], seed=args.seed
    )

    best = keras.saving.load_model(model_path)
    logits = best.predict(x_test, batch_size=recipe.batch_size, verbose=0)
    predictions = np.argmax(logits, axis=-1)
    top1, top5 = (top_k_accuracy(logits, y_test, k) for k in (1, 5))
    run_folder.write_history(history.history, output)
    summary = {
        "preset": args.preset,
        "dataset": args.dataset,
        "backend": keras.backend.backend(),
        "image_size": image_size,
        "num_classes": len(class_names),
        "train_images": len(x_train) - validation,
        "validation_images": validation,
        "test_images": len(x_test),
        "epochs_run": len(history.history["loss"]),
        "best_epoch": checkpoint.best_epoch + 1,
        "recipe": {
            "learning_rate": recipe.learning_rate,
            "weight_decay": recipe.weight_decay,
            "batch_size": recipe.batch_size,
            "epochs": recipe.epochs,
            "seed": args.seed,
        },
        "test_top1_accuracy": top1,
        "test_top5_accuracy": top5,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (output / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    figures.save_run_figures(
        output,
        history.history,
        x_test,
        y_test,
        predictions,
        class_names,
        title=f"{args.preset} on {args.dataset}",
    )
    print(
        f"Test accuracy of the best model (epoch {checkpoint.best_epoch + 1}) on "
        f"{len(x_test):,} images: top-1 {top1:.1%}, top-5 {top5:.1%}. "
        f"Saved to {output}/."
    )
