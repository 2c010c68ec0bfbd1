"""gMLP's spatial gating unit: a linear map across patches used as a gate."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.errors import InvalidValueError
from keras_mlpmix.layers.argument_checks import (
    check_epsilon,
    check_known_dims,
    check_layer_keywords,
    check_rank,
)
from keras_mlpmix.layers.numeric_input import NumericInputLayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class SpatialGatingUnit(NumericInputLayer):
    """Gates half of the channels with a linear projection of the other half.

    The input `Z` of shape `(B, N, 2d)` is split along the channels into
    `Z1` and `Z2`; `Z2` is normalised and projected across the patch axis by
    a learned `(N, N)` matrix `W` and bias `b`, and gates `Z1` (Liu et al.,
    2021, eq. 2-3):

        s(Z) = Z1 * (W LayerNorm(Z2) + b)

    `W` is stored as in the equation, `(output patch, input patch)`. It
    starts near zero and `b` at one, so a fresh unit passes `Z1` through
    almost unchanged and the block starts close to an ordinary MLP. The
    projection ties the layer to the number of patches `N`.

    Args:
        layer_norm_epsilon: Epsilon of the LayerNorm on the gate half (1e-5,
            as in timm's gMLP).
        kernel_initializer: Initializer of `W`. Defaults to a normal
            distribution with standard deviation 1e-6.
        bias_initializer: Initializer of `b`. Defaults to ones.
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
        check_layer_keywords(type(self), kwargs)
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
        # W Z2 for every image at once: (N, N) @ (B, N, d) broadcasts over B.
        # The bias goes first in the sum: Keras's TensorFlow `add` would take
        # an (N, 1) second operand for a channel bias when N == d.
        return z1 * ops.add(self.bias, ops.matmul(self.kernel, self.norm.call(z2)))

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[2] is None else input_shape[2] // 2
        return (input_shape[0], input_shape[1], channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config
