"""The two-layer perceptron that every block here is made of."""

from __future__ import annotations

import numbers

import keras
import numpy as np

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError
from keras_mlpmix.layers import platform_choices
from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_bool,
    check_positive_int,
    check_rate,
)
from keras_mlpmix.layers.axis_dense import AxisDense
from keras_mlpmix.layers.hash_dropout import HashDropout
from keras_mlpmix.layers.numeric_input import NumericInputLayer, run_sublayer
from keras_mlpmix.layers.spatial_gating_unit import SpatialGatingUnit

_LETTERS = "abcdefgh"


def _projection_equation(rank: int, axis: int, inward: bool) -> str:
    """Einsum for a projection along `axis`, to axis `z` if `inward`, else from it."""
    outer = _LETTERS[:rank]
    hidden = outer[:axis] + "z" + outer[axis + 1 :]
    source, target = (outer, hidden) if inward else (hidden, outer)
    kernel = outer[axis] + "z" if inward else "z" + outer[axis]
    return f"{source},{kernel}->{target}"


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class MLP(NumericInputLayer):
    """Two dense projections with a GELU between them, along one axis.

    The `MlpBlock` of MLP-Mixer (Tolstikhin et al., 2021, eq. 1) and the
    feed-forward of FNet and gMLP. Along axis 1 of `(B, N, C)` it mixes tokens
    with no transposes; the kernels keep a `Dense`'s `(in, out)` layout.

    Args:
        hidden_dim: Width of the hidden layer.
        output_dim: Output size along `axis`; defaults to the input's.
        axis: The non-batch axis mixed: `-1` (channels) or e.g. `1` (tokens).
        approximate_gelu: Tanh GELU (official Flax MLP-Mixer), not exact (timm).
        dropout_rate: Dropout after the activation and after the output projection.
        gate: Optional layer applied to the hidden activations before the output
            projection, such as `SpatialGatingUnit`; it may change their width.
        kernel_initializer: Initializer of both projection kernels.
        bias_initializer: Initializer of both projection biases.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import MLP
    >>> tokens = np.random.rand(2, 49, 64).astype("float32")
    >>> tuple(MLP(hidden_dim=256)(tokens).shape)  # channel mixing
    (2, 49, 64)
    >>> tuple(MLP(hidden_dim=32, axis=1)(tokens).shape)  # token mixing
    (2, 49, 64)
    """

    def __init__(
        self,
        hidden_dim: int,
        output_dim: int | None = None,
        axis: int = -1,
        approximate_gelu: bool = False,
        dropout_rate: float = 0.0,
        gate: keras.layers.Layer | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        self.output_dim = (
            None if output_dim is None else check_positive_int("output_dim", output_dim)
        )
        if (
            isinstance(axis, (bool, np.bool_))
            or not isinstance(axis, numbers.Integral)
            or axis == 0
            or not -len(_LETTERS) < axis < len(_LETTERS)
        ):
            raise InvalidValueError(
                "`axis` must be a non-batch axis: a nonzero int such as -1 "
                f"(channels) or 1 (tokens). Received: axis={axis!r}."
            )
        self.axis = int(axis)
        self.approximate_gelu = check_bool("approximate_gelu", approximate_gelu)
        self.dropout_rate = check_rate("dropout_rate", dropout_rate)
        if gate is not None and not isinstance(gate, keras.layers.Layer):
            raise InvalidTypeError(
                "`gate` must be a keras.layers.Layer or None. "
                f"Received: gate={gate!r} of type {type(gate).__name__}."
            )
        self.gate = gate
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.dropout = HashDropout(self.dropout_rate, dtype=self.dtype_policy)

    def _resolve_axis(self, input_shape) -> int:
        rank = len(input_shape)
        axis = self.axis + rank if self.axis < 0 else self.axis
        if not 0 < axis < rank:
            raise InvalidValueError(
                f"`axis` must be a non-batch axis of the input. Received: "
                f"axis={self.axis} for input_shape={tuple(input_shape)}."
            )
        if rank > len(_LETTERS):
            raise InvalidValueError(
                f"MLP supports inputs of rank up to {len(_LETTERS)}. "
                f"Received: input_shape={tuple(input_shape)}."
            )
        if input_shape[axis] is None:
            raise InvalidValueError(
                f"MLP needs a known size along axis {self.axis} to create its "
                f"weights. Received: input_shape={tuple(input_shape)}."
            )
        return axis

    def _output_size(self, input_shape) -> int:
        return self.output_dim or input_shape[self._resolve_axis(input_shape)]

    def build(self, input_shape):
        axis = self._resolve_axis(input_shape)
        rank = len(input_shape)

        def projection(name, inward, size):
            output_shape = list(input_shape[1:])
            output_shape[axis - 1] = size
            return AxisDense(
                _projection_equation(rank, axis, inward),
                output_shape=output_shape,
                bias_axes="z" if inward else _LETTERS[axis],
                kernel_initializer=self.kernel_initializer,
                bias_initializer=self.bias_initializer,
                dtype=self.dtype_policy,
                name=name,
            )

        self.fc1 = projection("fc1", inward=True, size=self.hidden_dim)
        self.fc1.build(input_shape)
        hidden_shape = self.fc1.compute_output_shape(input_shape)
        if self.gate is not None:
            if not self.gate.built:
                self.gate.build(hidden_shape)
            hidden_shape = self.gate.compute_output_shape(hidden_shape)
        self.fc2 = projection("fc2", inward=False, size=self._output_size(input_shape))
        self.fc2.build(hidden_shape)

    def call(self, inputs, training=None):
        # Sublayers skip `Layer.__call__`: see `NumericInputLayer`.
        x = platform_choices.gelu(run_sublayer(self.fc1, inputs), self.approximate_gelu)
        x = run_sublayer(self.dropout, x, training=training)
        if isinstance(self.gate, SpatialGatingUnit):
            x = run_sublayer(self.gate, x)
        elif self.gate is not None:  # any other layer, with Keras's checks
            x = self.gate(x, training=training)
        return run_sublayer(self.dropout, run_sublayer(self.fc2, x), training=training)

    def compute_output_shape(self, input_shape):
        output_shape = list(input_shape)
        output_shape[self._resolve_axis(input_shape)] = self._output_size(input_shape)
        return tuple(output_shape)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}

    @classmethod
    def from_config(cls, config):
        # The gate is a nested layer: it arrives serialised and must be rebuilt.
        config = dict(config)
        if config.get("gate") is not None:
            config["gate"] = keras.saving.deserialize_keras_object(config["gate"])
        return cls(**config)
