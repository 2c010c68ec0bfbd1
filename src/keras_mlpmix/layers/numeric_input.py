"""The base of the layers that compute with real numbers: inputs checked at the door."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_mlpmix.errors import InvalidTypeError


def input_dtype(inputs) -> str | None:
    """The standardized dtype of `inputs`, or None if it holds no numbers at all."""
    dtype = getattr(inputs, "dtype", None)
    if dtype is None:
        dtype = np.asarray(inputs).dtype
    try:
        return keras.backend.standardize_dtype(dtype)
    except ValueError:  # strings, objects: not a Keras dtype
        return None


def check_real(owner: str, inputs, what: str = "inputs") -> str:
    """Returns the dtype of `inputs` if it holds real numbers, else raises TypeError."""
    dtype = input_dtype(inputs)
    if dtype is None or dtype.startswith("complex") or dtype == "string":
        found = dtype or getattr(getattr(inputs, "dtype", None), "name", None)
        raise InvalidTypeError(
            f"{owner} computes with real numbers; its {what} must be floats, "
            f"integers or booleans. Received {what} of dtype "
            f"{found or np.asarray(inputs).dtype}."
        )
    return dtype


class NumericInputLayer(keras.layers.Layer):
    """A layer that refuses inputs other than real numbers and computes integers as floats.

    Keras casts floating inputs to a layer's compute dtype and leaves the
    others alone; these layers compute with floats, so integer and boolean
    inputs are cast too, and strings or complex numbers, which would fail
    deep in a backend or silently lose their imaginary part, are refused
    with an error naming the layer.

    The blocks built on it run the sublayers they own (norms, MLPs,
    projections, dropout) through the sublayers' `call`, not through
    `Layer.__call__`: the block's own `__call__` has already checked and
    cast the inputs, resolved `training` and entered the autocast scope, and
    a `Layer.__call__` costs about 0.1 ms on PyTorch, several per block.
    The sublayers still hold the weights, so checkpoints and weight paths
    are those of the nested layers.
    """

    def __call__(self, inputs, *args, **kwargs):
        dtype = check_real(type(self).__name__, inputs)
        if not dtype.startswith(("float", "bfloat")):
            inputs = ops.cast(inputs, self.compute_dtype)
        return super().__call__(inputs, *args, **kwargs)
