"""Each command's work, in the function of its name; imported once Keras is chosen."""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import pathlib
import statistics
import tempfile
import time

import keras
import numpy as np

from keras_mlpmix import datasets
from keras_mlpmix.cli.options import CommandError
from keras_mlpmix.errors import one_line
from keras_mlpmix.layers import platform_choices
from keras_mlpmix.models import (
    Backbone,
    ImageClassifier,
    list_presets,
    parameter_count,
    preset_sources,
)
from keras_mlpmix.models.preset_files import is_preset_directory
from keras_mlpmix.training import Recipe
from keras_mlpmix.weights.checkpoint_files import detect_format, read_tensors
from keras_mlpmix.weights.layouts import layout_of_format
from keras_mlpmix.weights.loading import load_tensors

_JIT = {"auto": "auto", "true": True, "false": False}
_FILES = (".keras", ".weights.h5")


def _say(message: str) -> None:
    print(message, flush=True)


def presets(args) -> None:
    """`keras-mlpmix presets`: the built-in presets as a table."""
    header = ("name", "family", "image", "params (classes)", "description")
    lines = [
        (
            name,
            row["backbone"].removesuffix("Backbone"),
            str(row["image_size"]),
            f"{parameter_count(name):,} ({row['num_classes']})",
            row["description"],
        )
        for name, row in list_presets().items()
    ]
    widths = [max(len(line[i]) for line in (header, *lines)) for i in range(4)]
    for line in (header, *lines):
        print(
            "".join(c.ljust(w + 2) for c, w in zip(line[:4], widths, strict=True))
            + line[4]
        )
    print(
        "\nTrain one with: keras-mlpmix train --preset NAME --dataset DATASET "
        f"(Keras {keras.__version__}, running on the {keras.backend.backend()} backend)."
    )


def _median_seconds(call, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(args) -> None:
    """`keras-mlpmix bench`: times inference and a training step of a preset."""
    _say(f"Building {args.preset} ({args.dtype}, fresh weights)...")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(args.dtype)
    try:
        model = ImageClassifier.from_preset(args.preset, weights=False)
    finally:
        keras.config.set_dtype_policy(previous)
    height, width = model.backbone.image_size
    rng = np.random.default_rng(0)

    def images(batch):
        return keras.ops.convert_to_tensor(
            rng.random((batch, height, width, 3)), "float32"
        )

    model.compile(jit_compile=_JIT[args.jit_compile])
    rows = []
    for batch in args.batch_sizes:
        x = images(batch)
        _say(f"Timing inference at batch {batch} (the first call compiles)...")
        seconds = _median_seconds(
            lambda x=x: model.predict_on_batch(x), args.warmup, args.repeats
        )
        rows.append(("inference", batch, seconds, model.matmul_shapes(batch), 1))
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=_JIT[args.jit_compile],
    )
    batch = args.train_batch_size
    x, y = images(batch), rng.integers(0, model.num_classes, batch)
    _say(f"Timing a training step at batch {batch} (the first call compiles)...")
    seconds = _median_seconds(
        lambda: model.train_on_batch(x, y), args.warmup, args.repeats
    )
    # Forward and backward: three products per product of the forward pass.
    rows.append(("train_step", batch, seconds, model.matmul_shapes(batch), 3))

    device = platform_choices.device_description()
    _say(
        f"{args.preset} on {keras.backend.backend()} ({device}), {args.dtype}, "
        f"jit_compile={model.jit_compile}:"
    )
    results = []
    for task, batch, seconds, shapes, passes in rows:
        gflops = passes * sum(shape.flops for shape in shapes) / seconds / 1e9
        _say(
            f"  {task:<11} batch {batch:>4}: {seconds * 1e3:9.1f} ms, "
            f"{batch / seconds:9.1f} images/s, {gflops:7.1f} GFLOP/s of matmuls"
        )
        results.append(
            {"task": task, "batch_size": batch, "median_s": seconds,
             "images_per_s": batch / seconds, "matmul_gflops_per_s": gflops}
        )  # fmt: skip
    if args.json is not None:
        report = {
            "preset": args.preset,
            "backend": keras.backend.backend(),
            "device": device,
            "dtype": args.dtype,
            "jit_compile": model.jit_compile,
            "keras": keras.__version__,
            "measurements": results,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")


def convert(args) -> None:
    """`keras-mlpmix convert`: a checkpoint file to a Keras file or preset folder."""
    if not args.source.is_file():
        raise CommandError(f"No checkpoint file at {str(args.source)!r}.")
    output = args.output
    if output.exists() and not args.overwrite:
        raise CommandError(f"{str(output)!r} exists; pass --overwrite to replace it.")
    format = args.format or detect_format(args.source)
    tensors = read_tensors(args.source, format)
    num_classes = layout_of_format(format).num_classes(tensors)
    model = ImageClassifier.from_preset(
        args.preset,
        num_classes=num_classes,
        weights=False,
        include_preprocessing=args.include_preprocessing,
    )
    print(load_tensors(model, tensors, format=format, source=str(args.source)))
    if not str(output).endswith(_FILES):
        model.save_to_preset(output, overwrite=args.overwrite)
        print(f"Wrote the preset folder {output}/.")
        return
    # Written in a temporary folder beside it and moved when complete, so that an
    # interrupted conversion never leaves a partial file behind.
    folder = os.path.dirname(os.path.abspath(output))
    os.makedirs(folder, exist_ok=True)
    suffix = next(s for s in _FILES if str(output).endswith(s))
    with tempfile.TemporaryDirectory(prefix=".converting-", dir=folder) as temporary:
        partial = os.path.join(temporary, f"model{suffix}")
        (model.save if suffix == ".keras" else model.save_weights)(partial)
        os.replace(partial, output)
    print(f"Wrote {output}.")


def default_folder(preset: str, dataset: str, backend: str) -> pathlib.Path:
    """`runs/PRESET-DATASET-BACKEND`: where `train` writes and `evaluate` looks.

    With the backend in the name, a run on another backend does not meet the first;
    a preset or dataset folder goes by its own name.
    """
    preset, dataset = (
        name.rstrip("/\\").replace("\\", "/").rpartition("/")[2] or name
        for name in (preset, dataset)
    )
    return pathlib.Path("runs") / f"{preset}-{dataset}-{backend}"


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
        raise CommandError(
            f"Could not load a Keras model from {str(path)!r} ({one_line(error)}); "
            "expected a .keras file saved by Keras 3, e.g. by keras-mlpmix train."
        ) from error


def top_k_accuracy(logits, labels, k: int) -> float:
    """Fraction of `labels` among the `k` highest `logits` of their row."""
    k = min(k, logits.shape[-1])
    top = np.argpartition(-logits, k - 1, axis=-1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=-1)))


def confusion_summary(
    labels, predictions, class_names, max_classes: int = 20, max_pairs: int = 10
) -> str:
    """Per-class accuracy (worst first) and the most frequent confusions, as text.

    Of `predictions` against the true `labels`, named by `class_names`: at most
    `max_classes` classes, the least accurate, and `max_pairs` confused pairs.
    """
    matrix = np.zeros((len(class_names), len(class_names)), "int64")
    np.add.at(matrix, (labels, predictions), 1)
    counts = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.diag(matrix) / counts
    present = np.flatnonzero(counts)
    order = present[np.argsort(accuracy[present], kind="stable")][:max_classes]
    width = max(len(name) for name in class_names)
    shown = (
        ""
        if len(order) == len(present)
        else f", the {len(order)} worst of {len(present)}"
    )
    lines = [f"Per-class accuracy (worst first{shown}):"]
    lines += [
        f"  {class_names[c]:<{width}}  {accuracy[c]:6.1%}  ({counts[c]} images)"
        for c in order
    ]
    errors = matrix.copy()
    np.fill_diagonal(errors, 0)
    pairs = np.argsort(errors, axis=None, kind="stable")[::-1][:max_pairs]
    pairs = [np.unravel_index(p, errors.shape) for p in pairs]
    pairs = [(t, p) for t, p in pairs if errors[t, p]]
    if not pairs:
        lines.append("No test image was misclassified.")
        return "\n".join(lines)
    lines.append("Most confused (true class -> predicted class: images):")
    lines += [
        f"  {class_names[t]} -> {class_names[p]}: {errors[t, p]}" for t, p in pairs
    ]
    return "\n".join(lines)


def evaluate(args) -> None:
    """`keras-mlpmix evaluate`: accuracy and confusions of a saved model."""
    backend = keras.backend.backend()
    path = args.model
    if path is None:
        path = default_folder(args.preset, args.dataset, backend) / "model.keras"
        if not path.is_file():
            raise CommandError(
                f"No model of {args.preset} trained on {args.dataset} with the "
                f"{backend} backend at {str(path)!r}; train one first "
                f"(keras-mlpmix train --preset {args.preset} --dataset "
                f"{args.dataset}) or name a model file with --model."
            )
    model = load_model(path)
    # A folder dataset is read at the size the model takes best.
    if isinstance(model, ImageClassifier):
        image_size = model.backbone.image_size
    else:
        height, width = model.input_shape[1:3]
        image_size = (height, width) if height and width else 32
    (x_test, y_test), class_names = datasets.load_test_set(
        args.dataset,
        image_size=image_size,
        seed=args.seed,
        test_fraction=args.test_fraction,
        skip_unreadable=args.skip_unreadable,
    )
    x_test, y_test = x_test[: args.test_images], y_test[: args.test_images]
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
        f"({len(class_names)} classes, {backend} backend): "
        f"top-1 accuracy {top1:.1%}, top-5 {top5:.1%}."
    )
    print(confusion_summary(y_test, np.argmax(logits, axis=-1), class_names))


class BestModelCheckpoint(keras.callbacks.Callback):
    """Saves `model` to the `.keras` file `path` whenever `monitor` reaches a new best.

    Unlike `keras.callbacks.ModelCheckpoint`, it saves the given model, e.g. the
    classifier inside `Recipe.fit`'s wrapper, free of the augmentation. `monitor`
    is a metric of the epoch logs, larger being better.
    """

    def __init__(self, model, path, monitor: str):
        super().__init__()
        self.saved_model = model
        self.path = path
        self.monitor = monitor
        self.best = self.best_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = float(logs[self.monitor])
        if self.best is None or value > self.best:
            self.best, self.best_epoch = value, epoch
            self.saved_model.save(self.path)


def check_free(folder: pathlib.Path, overwrite: bool) -> None:
    """Raises unless `folder` is absent, empty or may be overwritten; writes nothing."""
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--output {str(folder)!r} is a file, not a folder.")
    if folder.is_dir() and any(folder.iterdir()) and not overwrite:
        found = ", ".join(sorted(p.name for p in folder.iterdir())[:5])
        raise CommandError(
            f"The output folder {str(folder)!r} already holds a previous run "
            f"({found}); pass --overwrite to replace it, or choose another --output."
        )


def save_run_figures(folder, history, images, labels, predictions, class_names, title):
    """Writes curves.png and predictions.png to `folder`; without matplotlib, a hint."""
    try:
        _draw_figures(folder, history, images, labels, predictions, class_names, title)
    except ImportError:
        print(
            "Figures skipped: matplotlib is not installed "
            "(pip install 'keras-mlpmix[plots]' to get curves.png and predictions.png)."
        )


def _draw_figures(folder, history, images, labels, predictions, class_names, title):
    """Draws the figures of `save_run_figures` with matplotlib, without pyplot.

    curves.png plots loss and accuracy per epoch, training and validation, from
    `history` (`History.history`, lists of per-epoch values by metric).
    predictions.png shows up to 24 of the `uint8` `images`, `(N, H, W, 3)`, with
    their true `labels` and `predictions`, `(N,)`, named by `class_names`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    def new_figure(width: float, height: float, suptitle: str):
        """A figure on matplotlib's Agg canvas."""
        figure = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(suptitle, fontsize=13)
        return figure

    figure = new_figure(11, 4.2, title)
    epochs = range(1, len(history["loss"]) + 1)
    panels = (
        ("Loss (cross-entropy)", ("loss",), "lower"),
        ("Accuracy", ("accuracy", "top5_accuracy"), "higher"),
    )
    colours = {"loss": "#d62728", "accuracy": "#1f77b4", "top5_accuracy": "#2ca02c"}
    splits = (("", "training", "o-"), ("val_", "validation", "o--"))
    for axes, (label, metrics, better) in zip(
        figure.subplots(1, 2), panels, strict=True
    ):
        for metric, (prefix, split, style) in itertools.product(metrics, splits):
            if prefix + metric in history:
                axes.plot(
                    epochs,
                    history[prefix + metric],
                    style,
                    color=colours[metric],
                    markersize=4,
                    label=f"{split} {metric.replace('top5_', 'top-5 ')}",
                )
        axes.set_title(f"{label}, {better} is better")
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if metrics[0] == "accuracy":
            axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.grid(alpha=0.3)
        axes.legend(fontsize=9)
    figure.savefig(folder / "curves.png", dpi=100)

    count = min(len(images), 24)
    columns = min(count, 6)
    rows = math.ceil(count / columns)
    figure = new_figure(
        2.1 * columns,
        2.35 * rows + 0.6,
        f"{title}: test images, predicted and true class (green: right, red: wrong)",
    )
    for index, axes in enumerate(figure.subplots(rows, columns, squeeze=False).flat):
        axes.axis("off")
        if index >= count:
            continue
        axes.imshow(images[index], interpolation="nearest")
        right = predictions[index] == labels[index]
        axes.set_title(
            f"predicted: {class_names[predictions[index]]}\n"
            f"true: {class_names[labels[index]]}",
            fontsize=9,
            color="#1a7f37" if right else "#cf222e",
        )
    figure.savefig(folder / "predictions.png", dpi=100)


def train(args) -> None:
    """`keras-mlpmix train`: trains a preset on a dataset, saves and tests it."""
    started = time.perf_counter()
    backend = keras.backend.backend()
    source = preset_sources.open_preset(args.preset)
    source.backbone_class(Backbone)  # a preset of a known family, or an error
    output = args.output or default_folder(args.preset, args.dataset, backend)
    check_free(output, args.overwrite)
    if args.save_preset is not None:
        check_free(args.save_preset, args.overwrite)
    recipe = Recipe.for_preset(
        args.preset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        weight_decay=args.weight_decay,
    )
    overrides = {} if args.image_size is None else {"image_size": args.image_size}
    (x_train, y_train), (x_test, y_test), class_names = datasets.load_dataset(
        args.dataset,
        image_size=source.backbone_config(overrides)["image_size"],
        seed=args.seed,
        skip_unreadable=args.skip_unreadable,
    )
    x_train, y_train = x_train[: args.train_images], y_train[: args.train_images]
    x_test, y_test = x_test[: args.test_images], y_test[: args.test_images]
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
    # The per-epoch metrics, as history.json and history.csv.
    columns = {k: [float(v) for v in values] for k, values in history.history.items()}
    epochs = list(range(1, len(next(iter(columns.values()), [])) + 1))
    (output / "history.json").write_text(
        json.dumps({"epoch": epochs, **columns}, indent=2) + "\n"
    )
    with open(output / "history.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["epoch", *columns])
        writer.writerows(zip(epochs, *columns.values(), strict=True))
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
    title = f"{args.preset} on {args.dataset}"
    save_run_figures(
        output, history.history, x_test, y_test, predictions, class_names, title
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
