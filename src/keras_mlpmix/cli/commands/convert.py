"""Convert a pretrained checkpoint to a Keras model, weights file or preset folder.

Reads an official MLP-Mixer (.npz) or timm (.safetensors, or .pth/.bin with
PyTorch) checkpoint of the preset's architecture, loads it all or nothing (every
tensor used, every weight filled, right shapes, finite values) and writes a preset
folder (`ImageClassifier.from_preset(FOLDER)`), a .keras model or a .weights.h5
file (`from_preset(PRESET, weights=FILE)`). The head keeps the checkpoint's
classes. Offline.

example:
  keras-mlpmix convert Mixer-B_16.npz --preset mixer_b16_224.official_in21k \\
      --output mixer_b16_in21k
"""

from __future__ import annotations

import pathlib

HELP = "convert an official or timm checkpoint to a Keras file, offline"
# keras_mlpmix.weights.checkpoint_files.FORMATS; a test keeps them equal.
FORMATS = ("npz", "safetensors", "torch")


def add_arguments(parser) -> None:
    parser.add_argument(
        "source",
        metavar="SRC",
        type=pathlib.Path,
        help="the checkpoint file: .npz, .safetensors, .pth or .bin (required)",
    )
    parser.add_argument(
        "--preset",
        metavar="NAME",
        required=True,
        help="the preset whose architecture the checkpoint has; see "
        "`keras-mlpmix presets` (required)",
    )
    parser.add_argument(
        "--output",
        metavar="PATH",
        required=True,
        type=pathlib.Path,
        help="what to write: a name ending in .keras (the whole model) or "
        ".weights.h5 (weights only), or any other name for a preset folder "
        "(required)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="the checkpoint's format (default: detected from the file)",
    )
    parser.add_argument(
        "--include-preprocessing",
        action="store_true",
        help="put the preset's resizing and normalisation in front so the model "
        "takes raw images (default: off)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace PATH if it exists (default: refuse)",
    )
