"""The work of `keras-mlpmix train` (see `keras_mlpmix.cli.commands.train`)."""

from __future__ import annotations

import json
import math
import time

import keras
import numpy as np

from keras_mlpmix.cli import data_loading, figures, run_folder
from keras_mlpmix.cli.accuracy import top_k_accuracy
from keras_mlpmix.cli.best_model_checkpoint import BestModelCheckpoint
from keras_mlpmix.models import Backbone, ImageClassifier, preset_sources
from keras_mlpmix.training import Recipe


def train(args) -> None:
    started = time.perf_counter()
    backend = keras.backend.backend()
    source = preset_sources.open_preset(args.preset)
    source.backbone_class(Backbone)  # a preset of a known family, or an error
    output = args.output or run_folder.default_folder(
        args.preset, args.dataset, backend
    )
    run_folder.check_free(output, args.overwrite)
    if args.save_preset is not None:
        run_folder.check_free(args.save_preset, args.overwrite)
    recipe = Recipe.for_preset(
        args.preset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        weight_decay=args.weight_decay,
    )
    overrides = {} if args.image_size is None else {"image_size": args.image_size}
    image_size = source.backbone_config(overrides)["image_size"]
    (x_train, y_train), (x_test, y_test), class_names = data_loading.training_data(
        args, image_size
    )
    keras.utils.set_random_seed(args.seed)
    classifier = ImageClassifier.from_preset(
        args.preset,
        num_classes=len(class_names),
        include_preprocessing=True,
        **overrides,
    )
    size = classifier.backbone.image_size
    # Keras's fit() keeps the first floor(N * (1 - split)) images for training.
    validation = len(x_train) - math.floor(len(x_train) * (1 - recipe.validation_split))
    print(
        f"Training {args.preset} ({classifier.count_params():,} weights, "
        f"{size[0]}x{size[1]} inputs) on {args.dataset}: "
        f"{len(x_train) - validation:,} training, {validation:,} validation and "
        f"{len(x_test):,} test images of {len(class_names)} classes; "
        f"{backend} backend, learning rate {recipe.learning_rate:g}, "
        f"weight decay {recipe.weight_decay:g}.",
        flush=True,
    )

    output.mkdir(parents=True, exist_ok=True)
    model_path = output / "model.keras"
    checkpoint = BestModelCheckpoint(
        classifier, model_path, monitor="val_accuracy" if validation else "accuracy"
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
        "backend": backend,
        "image_size": list(size),
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
    if args.save_preset is not None:
        best.preset_metadata = classifier.preset_metadata
        best.save_to_preset(
            args.save_preset, overwrite=args.overwrite, class_names=class_names
        )
    print(
        f"Test accuracy of the best model (epoch {checkpoint.best_epoch + 1}) on "
        f"{len(x_test):,} images: top-1 {top1:.1%}, top-5 {top5:.1%}. "
        f"Saved to {output}/"
        + (f" and the preset folder {args.save_preset}/" if args.save_preset else "")
        + ".",
        flush=True,
    )
