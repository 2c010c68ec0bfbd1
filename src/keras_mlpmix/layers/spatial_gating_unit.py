"""gMLP's spatial gating unit: a linear map across patches used as a gate."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.errors import InvalidValueError
from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_epsilon,
    check_known_dims,
    check_rank,
)
from keras_mlpmix.layers.numeric_input import NumericInputLayer, run_sublayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class SpatialGatingUnit(NumericInputLayer):
    """Gates half of the channels with a linear projection of the other half.

    For `Z = [Z1, Z2]` of shape `(B, N, 2d)`, split along the channels
    (Liu et al., 2021, eq. 2-3):

        s(Z) = Z1 * (W LayerNorm(Z2) + b)

    `W` is `(N, N)`, stored `(output patch, input patch)`; it starts near zero and
    `b` at one, so a fresh unit nearly passes `Z1` through.

    Args:
        layer_norm_epsilon: Epsilon of the LayerNorm on `Z2` (timm's gMLP).
        kernel_initializer: Initializer of `W`; None for a normal with stddev 1e-6.
        bias_initializer: Initializer of `b`.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import SpatialGatingUnit
    >>> hidden = np.random.rand(2, 196, 1536).astype("float32")
    >>> tuple(SpatialGatingUnit()(hidden).shape)  # the channels are halved
    (2, 196, 768)
    """

    def __init__(
        self,
        layer_norm_epsilon: float = 1e-5,
        kernel_initializer=None,
        bias_initializer="ones",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.layer_norm_epsilon = check_epsilon(
            "layer_norm_epsilon", layer_norm_epsilon
        )
        self.kernel_initializer = keras.initializers.get(
            kernel_initializer or keras.initializers.RandomNormal(stddev=1e-6)
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, dtype=self.dtype_policy, name="norm"
        )

    def build(self, input_shape):
        check_rank("SpatialGatingUnit", input_shape, 3, "(batch, patches, channels)")
        check_known_dims("SpatialGatingUnit", input_shape, {1: "patch", 2: "channel"})
        num_patches, channels = input_shape[1], input_shape[2]
        if channels % 2:
            raise InvalidValueError(
                "SpatialGatingUnit splits the channels into two halves, so their "
                f"number must be even. Received: input_shape={tuple(input_shape)}."
            )
        self.input_spec = keras.InputSpec(ndim=3, axes={1: num_patches, 2: channels})
        self.norm.build((input_shape[0], num_patches, channels // 2))
        self.kernel = self.add_weight(
            name="kernel",
            shape=(num_patches, num_patches),
            initializer=self.kernel_initializer,
        )
        self.bias = self.add_weight(
            name="bias", shape=(num_patches, 1), initializer=self.bias_initializer
        )

    def call(self, inputs):
        z1, z2 = ops.split(inputs, 2, axis=-1)
        # The bias goes first: Keras's TensorFlow `add` would take an (N, 1)
        # second operand for a channel bias when N == d (see `AxisDense`).
        return z1 * ops.add(
            self.bias, ops.matmul(self.kernel, run_sublayer(self.norm, z2))
        )

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[2] is None else input_shape[2] // 2
        return (input_shape[0], input_shape[1], channels)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}
