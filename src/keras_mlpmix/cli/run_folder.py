"""The folder a training run writes: its name, its guard and the history files."""

from __future__ import annotations

import csv
import json
import pathlib

from keras_mlpmix.cli.command_error import CommandError
from keras_mlpmix.cli.dataset_options import dataset_name


def default_folder(preset: str, dataset: str, backend: str) -> pathlib.Path:
    """`runs/PRESET-DATASET-BACKEND`: where `train` writes and `evaluate` looks.

    With the backend in the name, a run on another backend does not meet the first.
    """
    return (
        pathlib.Path("runs")
        / f"{dataset_name(preset)}-{dataset_name(dataset)}-{backend}"
    )


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


def write_history(history: dict, folder: pathlib.Path) -> None:
    """Writes the per-epoch metrics as `history.json` and `history.csv`."""
    columns = {name: [float(v) for v in values] for name, values in history.items()}
    epochs = len(next(iter(columns.values()), []))
    (folder / "history.json").write_text(
        json.dumps({"epoch": list(range(1, epochs + 1)), **columns}, indent=2) + "\n"
    )
    with open(folder / "history.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["epoch", *columns])
        for epoch in range(epochs):
            writer.writerow(
                [epoch + 1, *(values[epoch] for values in columns.values())]
            )
