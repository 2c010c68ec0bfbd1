"""A dense projection along any axis whose bias broadcasts as in NumPy (internal)."""

from __future__ import annotations

import keras
from keras import ops


class AxisDense(keras.layers.EinsumDense):
    """`keras.layers.EinsumDense` that adds its bias with plain broadcasting.

    Keras 3.15's TensorFlow `ops.add(x, bias)` puts a bias that squeezes to a vector
    on the last axis when sizes match: an `(N, 1)` token bias on `(batch, N, C)` goes
    onto the channels if `N == C` (logits off by 0.1 on 0.4 against timm, 16-patch,
    16-channel Mixer). `ops.add(bias, x)` broadcasts as NumPy does everywhere.

    Args:
        equation: The einsum equation, as for `EinsumDense`.
        output_shape: The output shape without the batch axis.
        bias_axes: Output axes the bias spans, or None for no bias.
        **kwargs: Other `EinsumDense` arguments (initializers, `dtype`, ...).

    Example:

    >>> import keras, numpy as np
    >>> from keras_mlpmix.layers.axis_dense import AxisDense
    >>> layer = AxisDense("abc,bz->azc", output_shape=(3, 3), bias_axes="z",
    ...                   kernel_initializer="zeros")
    >>> layer.build((None, 3, 3))
    >>> _ = layer.bias.assign(np.arange(3, dtype="float32").reshape(3, 1))
    >>> keras.ops.convert_to_numpy(layer(np.zeros((1, 3, 3), "float32")))[0]
    array([[0., 0., 0.],
           [1., 1., 1.],
           [2., 2., 2.]], dtype=float32)
    """

    def build(self, input_shape):
        super().build(input_shape)
        # Projections along the last two axes run as matmuls, at least as fast as
        # the einsum everywhere (PyTorch and TensorFlow transpose for some einsums).
        inputs, output = self.equation.split("->")
        operand, kernel = inputs.split(",")
        self._matmul_side = None
        if len(kernel) == 2 and "." not in inputs:
            if output == operand[:-1] + kernel[1] and kernel[0] == operand[-1]:
                self._matmul_side = "right"
            elif output == operand[:-2] + kernel[1] + operand[-1] and (
                kernel[0] == operand[-2]
            ):
                self._matmul_side = "left"

    def call(self, inputs, training=None):
        if self._matmul_side == "right":  # (..., c) @ (c, z)
            outputs = ops.matmul(inputs, self.kernel)
        elif self._matmul_side == "left":  # (z, b) @ (..., b, c)
            outputs = ops.matmul(ops.transpose(self.kernel), inputs)
        else:
            outputs = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(self.bias, outputs)
        return self.activation(outputs)
