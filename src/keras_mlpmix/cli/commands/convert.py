"""Convert a pretrained checkpoint to a Keras weights or model file, offline.

Reads an official MLP-Mixer checkpoint (.npz) or a timm checkpoint
(.safetensors, or .pth/.bin with PyTorch installed) of the preset's
architecture, loads it all or nothing (every tensor used, every weight
filled, with the right shapes) and writes a .weights.h5 file (load it with
`ImageClassifier.from_preset(PRESET, weights=FILE)`) or a whole .keras model
(load it with `keras.saving.load_model`). The head keeps the checkpoint's
number of classes.

example:
  keras-mlpmix convert Mixer-B_16.npz --preset mixer_b16_224.official_in21k \
      --output mixer_b16.weights.h5
"""

from __future__ import annotations

import pathlib

from keras_mlpmix.cli.command_error import CommandError
from keras_mlpmix.weights import convert_checkpoint
from keras_mlpmix.weights.checkpoint_files import FORMATS

HELP = "convert an official or timm checkpoint to a Keras file, offline"


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
        metavar="FILE",
        required=True,
        type=pathlib.Path,
        help="the file to write, ending in .weights.h5 or .keras (required)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="the checkpoint's format (default: detected from the file)",
    )
    parser.add_argument(
        "--include-preprocessing",
        action="store_true",
        help="with .keras output, put the preset's resizing and normalisation "
        "in front so the model takes raw images (default: off)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace FILE if it exists (default: refuse)",
    )


def run(args) -> None:
    if not args.source.is_file():
        raise CommandError(f"No checkpoint file at {str(args.source)!r}.")
    if args.output.exists() and not args.overwrite:
        raise CommandError(
            f"{str(args.output)!r} exists; pass --overwrite to replace it."
        )
    report = convert_checkpoint(
        args.source,
        args.preset,
        args.output,
        format=args.format,
        include_preprocessing=args.include_preprocessing,
    )
    print(report)
    print(f"Wrote {args.output}.")
