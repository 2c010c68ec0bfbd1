"""Writing a model's weights as a checkpoint in the official or timm layout."""

from __future__ import annotations

import os

import keras

from keras_mlpmix.errors import InvalidValueError
from keras_mlpmix.weights import checkpoint_files
from keras_mlpmix.weights.layouts import layout_of_format
from keras_mlpmix.weights.loading import check_checkpointable

_SUFFIXES = {".npz": "npz", ".safetensors": "safetensors"}


def export_checkpoint(model, path, format: str | None = None) -> None:
    """Writes the weights of `model` as a checkpoint that `load_checkpoint` reads.

    `"npz"` writes the official MLP-Mixer parameter tree (MLP-Mixer only),
    `"safetensors"` timm's state dict (MLP-Mixer, gMLP, ResMLP); weights are float32.

    Args:
        model: A `Backbone` (no head is written) or an `ImageClassifier`.
        path: The file to write.
        format: `"npz"` or `"safetensors"`; from the suffix of `path` when None.

    Raises:
        ValueError: for an unknown format, a family without that layout, or weights
            the layout has no place for (e.g. a position embedding).
        TypeError: if `model` is not a Backbone or ImageClassifier.

    Example:

    >>> import os, tempfile
    >>> from keras_mlpmix.models import Backbone
    >>> from keras_mlpmix.weights import export_checkpoint
    >>> backbone = Backbone.from_preset(
    ...     "gmlp_s16_224", image_size=32, hidden_dim=8, num_blocks=1, ffn_dim=16)
    >>> path = os.path.join(tempfile.mkdtemp(), "gmlp.safetensors")
    >>> export_checkpoint(backbone, path)
    >>> os.path.getsize(path) > 0
    True
    """
    check_checkpointable(model)
    if format is None:
        format = _SUFFIXES.get(os.path.splitext(os.fspath(path))[1])
        if format is None:
            raise InvalidValueError(
                "Cannot tell the checkpoint format from the file name: pass format="
                f"'npz' or 'safetensors', or name the file *.npz or *.safetensors. "
                f"Received: path={os.fspath(path)!r}."
            )
    if format not in _SUFFIXES.values():
        raise InvalidValueError(
            "`format` must be 'npz' (the official MLP-Mixer layout) or 'safetensors' "
            f"(timm's). Received: format={format!r}."
        )
    rules = model.checkpoint_rules(layout_of_format(format))
    covered = {id(rule.target) for rule in rules}
    unplaced = [weight.path for weight in model.weights if id(weight) not in covered]
    if unplaced:
        raise InvalidValueError(
            f"The {format} checkpoint layout has no place for these weights of "
            f"{model.describe()}: {', '.join(unplaced)}."
        )
    tensors = {
        rule.source: rule.layout.to_checkpoint(
            keras.ops.convert_to_numpy(keras.ops.cast(rule.target, "float32"))
        )
        for rule in rules
    }
    checkpoint_files.write_tensors(path, tensors, format)
