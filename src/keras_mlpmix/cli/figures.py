"""The PNG figures of a training run: learning curves and a prediction grid.

They need matplotlib, imported lazily, and draw on an Agg canvas without pyplot.
"""

from __future__ import annotations

import math

PLOTS_EXTRA_HINT = (
    "Figures skipped: matplotlib is not installed "
    "(pip install 'keras-mlpmix[plots]' to get curves.png and predictions.png)."
)


def _figure(width: float, height: float):
    """A matplotlib figure on the Agg canvas; ImportError without matplotlib."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save_learning_curves(history: dict, path, title: str) -> None:
    """Plots loss and accuracy per epoch, training and validation, to a PNG.

    Args:
        history: `History.history`, lists of per-epoch values by metric.
        path: The PNG file to write.
        title: The figure's title.
    """
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    figure = _figure(11, 4.2)
    figure.suptitle(title, fontsize=13)
    epochs = range(1, len(history["loss"]) + 1)
    panels = (
        ("Loss (cross-entropy)", ("loss",), "lower"),
        ("Accuracy", ("accuracy", "top5_accuracy"), "higher"),
    )
    colours = {"loss": "#d62728", "accuracy": "#1f77b4", "top5_accuracy": "#2ca02c"}
    splits = (("", "training", "-"), ("val_", "validation", "--"))
    for axes, (label, metrics, better) in zip(
        figure.subplots(1, 2), panels, strict=True
    ):
        for metric in metrics:
            name = "top-5 accuracy" if metric == "top5_accuracy" else metric
            for prefix, split, style in splits:
                if prefix + metric in history:
                    axes.plot(
                        epochs,
                        history[prefix + metric],
                        style,
                        color=colours[metric],
                        marker="o",
                        markersize=4,
                        label=f"{split} {name}",
                    )
        axes.set_title(f"{label}, {better} is better")
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if metrics[0] == "accuracy":
            axes.yaxis.set_major_formatter(PercentFormatter(1.0))
        axes.grid(alpha=0.3)
        axes.legend(fontsize=9)
    figure.savefig(path, dpi=100)


def save_prediction_grid(
    images, labels, predictions, class_names, path, title: str
) -> None:
    """Shows test images and their predicted and true class (green: right, red: wrong).

    Args:
        images: `uint8` images, `(N, H, W, 3)`; up to 24 are shown.
        labels: True classes, `(N,)`.
        predictions: Predicted classes, `(N,)`.
        class_names: Names of the classes, indexed by class.
        path: The PNG file to write.
        title: The figure's title.
    """
    count = min(len(images), 24)
    columns = min(count, 6)
    rows = math.ceil(count / columns)
    figure = _figure(2.1 * columns, 2.35 * rows + 0.6)
    figure.suptitle(title, fontsize=13)
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
    figure.savefig(path, dpi=100)


def save_run_figures(folder, history, images, labels, predictions, class_names, title):
    """Writes curves.png and predictions.png to `folder`; without matplotlib, a hint."""
    try:
        save_learning_curves(history, folder / "curves.png", title)
        save_prediction_grid(
            images,
            labels,
            predictions,
            class_names,
            folder / "predictions.png",
            f"{title}: test images, predicted and true class (green: right, red: wrong)",
        )
    except ImportError:
        print(PLOTS_EXTRA_HINT)
