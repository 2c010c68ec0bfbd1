"""The work of `keras-mlpmix presets`: the built-in presets as a table."""

from __future__ import annotations

import keras

from keras_mlpmix.models import list_presets, parameter_count


def preset_table(rows: dict) -> str:
    """One line per preset: name, family, image size, weights (classes), description."""
    header = ("name", "family", "image", "params (classes)", "description")
    lines = [
        (
            name,
            row["backbone"].removesuffix("Backbone"),
            str(row["image_size"]),
            f"{parameter_count(name):,} ({row['num_classes']})",
            row["description"],
        )
        for name, row in rows.items()
    ]
    widths = [max(len(line[i]) for line in (header, *lines)) for i in range(4)]
    return "\n".join(
        "".join(
            cell.ljust(width + 2) for cell, width in zip(line[:4], widths, strict=True)
        )
        + line[4]
        for line in (header, *lines)
    )


def print_presets() -> None:
    print(preset_table(list_presets()))
    print(
        "\nTrain one with: keras-mlpmix train --preset NAME --dataset DATASET "
        f"(Keras {keras.__version__}, running on the {keras.backend.backend()} backend)."
    )
