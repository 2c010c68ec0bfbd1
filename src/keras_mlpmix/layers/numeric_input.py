"""The base of the layers that compute with real numbers, which checks their inputs."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from keras_mlpmix.errors import InvalidTypeError
from keras_mlpmix.layers.argument_checks import check_layer_keywords


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


def run_sublayer(layer, *args, **kwargs):
    """Runs `layer.call` inside the layer's name scope, skipping `Layer.__call__`.

    The scope costs about 2 us on PyTorch and names the layer's operations in
    JAX's HLO, so profiles attribute them to it (`benchmarks/op_profile.py`).
    """
    with keras.name_scope(layer.name):
        return layer.call(*args, **kwargs)


class NumericInputLayer(keras.layers.Layer):
    """A layer that refuses non-real inputs and casts integers and booleans to floats.

    Strings and complex numbers are refused with an error naming the layer.
    Misspelt constructor arguments are refused too (`check_layer_keywords`), and
    the output shape is the input's unless `compute_output_shape` is overridden.
    Blocks built on it run their sublayers with `run_sublayer`, not `__call__`: the
    block's `__call__` has already checked and cast the inputs and entered the
    autocast scope, and a `Layer.__call__` costs about 0.1 ms on PyTorch.
    """

    def __init__(self, **kwargs):
        check_layer_keywords(type(self), kwargs)
        super().__init__(**kwargs)

    def __call__(self, inputs, *args, **kwargs):
        dtype = check_real(type(self).__name__, inputs)
        if not dtype.startswith(("float", "bfloat")):
            inputs = ops.cast(inputs, self.compute_dtype)
        return super().__call__(inputs, *args, **kwargs)

    def compute_output_shape(self, input_shape):
        return input_shape
