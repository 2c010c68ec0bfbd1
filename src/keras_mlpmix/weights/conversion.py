"""Offline conversion of a checkpoint file to a Keras weights or model file."""

from __future__ import annotations

import contextlib
import os
import tempfile

from keras_mlpmix.models.image_classifier import ImageClassifier
from keras_mlpmix.models.presets import get_preset
from keras_mlpmix.weights import checkpoint_files
from keras_mlpmix.weights.loading import LAYOUTS, LoadReport, load_tensors

_OUTPUT_SUFFIXES = (".weights.h5", ".keras")


def convert_checkpoint(
    source,
    preset: str,
    output,
    *,
    format: str | None = None,
    include_preprocessing: bool = False,
) -> LoadReport:
    """Converts an official or timm checkpoint to a Keras `.weights.h5` or `.keras` file.

    Builds the `ImageClassifier` of `preset` with as many classes as the
    checkpoint's head (the preset's number without a head), loads the
    checkpoint with `load_checkpoint` (all or nothing) and saves it. The
    output is written under a temporary name and renamed when complete, so
    an interrupted conversion never leaves a partial file behind.

    Load the result with `ImageClassifier.from_preset(preset,
    weights=output)` (`.weights.h5`, same number of classes) or
    `keras.saving.load_model(output)` (`.keras`).

    Args:
        source: The checkpoint file (`.npz`, `.safetensors`, `.pth`, `.bin`).
        preset: The preset whose architecture the checkpoint has, e.g.
            `"mixer_b16_224"` (see `list_presets()`).
        output: The file to write; its name must end in `.weights.h5`
            (weights only) or `.keras` (the whole model).
        format: The checkpoint's format; detected when None.
        include_preprocessing: For `.keras` output, put the preset's
            `ImagePreprocessor` in front so the saved model takes raw images.

    Returns:
        The `LoadReport` of the load.

    Raises:
        ValueError: for an unknown preset or output suffix, or a checkpoint
            that does not fit the preset.

    Example:

    >>> import os, tempfile
    >>> from keras_mlpmix.models import ImageClassifier
    >>> from keras_mlpmix.weights import convert_checkpoint, export_checkpoint
    >>> folder = tempfile.mkdtemp()
    >>> source = os.path.join(folder, "model.safetensors")
    >>> export_checkpoint(ImageClassifier.from_preset("mixer_cifar100"), source)
    >>> report = convert_checkpoint(
    ...     source, "mixer_cifar100", os.path.join(folder, "mixer.weights.h5"))
    >>> len(report.loaded), sorted(os.listdir(folder))
    (54, ['mixer.weights.h5', 'model.safetensors'])
    """
    output = os.fspath(output)
    suffix = next((s for s in _OUTPUT_SUFFIXES if output.endswith(s)), None)
    if suffix is None:
        raise ValueError(
            f"`output` must name a {' or '.join(_OUTPUT_SUFFIXES)} file. "
            f"Received: output={output!r}."
        )
    row = get_preset(preset)
    checkpoint_files.check_format(format)
    format = format or checkpoint_files.detect_format(source)
    tensors = checkpoint_files.read_tensors(source, format)
    num_classes = LAYOUTS[format].num_classes(tensors) or row["num_classes"]
    model = ImageClassifier.from_preset(
        preset,
        num_classes=num_classes,
        weights=False,
        include_preprocessing=include_preprocessing and suffix == ".keras",
    )
    report = load_tensors(model, tensors, format=format, source=os.fspath(source))
    folder = os.path.dirname(os.path.abspath(output))
    os.makedirs(folder, exist_ok=True)
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
    return report
