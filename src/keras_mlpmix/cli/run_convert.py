"""The work of `keras-mlpmix convert` (see `keras_mlpmix.cli.commands.convert`)."""

from __future__ import annotations

import contextlib
import os
import tempfile

from keras_mlpmix.cli.command_error import CommandError
from keras_mlpmix.models import ImageClassifier
from keras_mlpmix.weights.checkpoint_files import detect_format, read_tensors
from keras_mlpmix.weights.layouts import layout_of_format
from keras_mlpmix.weights.loading import load_tensors

_FILES = (".keras", ".weights.h5")


def convert(args) -> None:
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
    report = load_tensors(model, tensors, format=format, source=str(args.source))
    print(report)
    if not str(output).endswith(_FILES):
        model.save_to_preset(output, overwrite=args.overwrite)
        print(f"Wrote the preset folder {output}/.")
        return
    # Written under a temporary name and renamed when complete, so that an
    # interrupted conversion never leaves a partial file behind.
    folder = os.path.dirname(os.path.abspath(output))
    os.makedirs(folder, exist_ok=True)
    suffix = next(s for s in _FILES if str(output).endswith(s))
    handle, partial = tempfile.mkstemp(prefix=".converting-", suffix=suffix, dir=folder)
    os.close(handle)
    try:
        if suffix == ".keras":
            model.save(partial)
        else:
            model.save_weights(partial)
        os.replace(partial, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)
    print(f"Wrote {output}.")
