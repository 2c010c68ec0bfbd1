"""A dense projection along any axis whose bias lands on that axis everywhere.

Internal to the MLPs: not part of the public API.
"""

from __future__ import annotations

import keras
from keras import ops


class AxisDense(keras.layers.EinsumDense):
    """`keras.layers.EinsumDense` that adds its bias with plain broadcasting.

    Keras's TensorFlow `ops.add(x, bias)` takes any bias that squeezes to a
    vector for a channel bias and applies it along the last axis whenever
    the sizes match (Keras 3.15). A bias of shape `(N, 1)` on a
    `(batch, N, C)` output, as in token mixing, then goes onto the channels
    when `N == C`: silently wrong logits (0.1 on logits of 0.4 against timm
    for a 16-patch, 16-channel Mixer). Adding it as `ops.add(bias, x)`
    broadcasts as NumPy does on every backend. Everything else (weights,
    equation, activation) is EinsumDense's.

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
        # Projections along the last or the second-to-last axis are plain
        # matmuls, which every backend runs at least as fast as the einsum
        # (PyTorch and TensorFlow run some einsums as transposes and a batched
        # matmul); others stay einsums.
        inputs, output = self.equation.split("->")
        operand, kernel = inputs.split(",")
        if len(kernel) != 2 or "." in inputs:
            self._matmul_side = None
        elif output == operand[:-1] + kernel[1] and kernel[0] == operand[-1]:
            self._matmul_side = "right"
        elif output == operand[:-2] + kernel[1] + operand[-1] and (
            kernel[0] == operand[-2]
        ):
            self._matmul_side = "left"
        else:
            self._matmul_side = None

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
