"""Rules that name, for each weight of a model, the checkpoint tensor that fills it.

A checkpoint layout (`official`, `timm`) is a list of `Rule`s built by
walking the model's layers: each rule pairs one checkpoint tensor name with
one Keras variable and the `Layout` that converts between the checkpoint's
array layout and Keras's. Rules never reuse checkpoint names as layer names.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np


class Layout:
    """How a checkpoint array is laid out relative to its Keras variable."""

    def checkpoint_shape(self, keras_shape: tuple) -> tuple:
        """The checkpoint array shape that fills a variable of `keras_shape`."""
        return tuple(keras_shape)

    def to_keras(self, array: np.ndarray) -> np.ndarray:
        return array

    def to_checkpoint(self, array: np.ndarray) -> np.ndarray:
        return array


class Transposed(Layout):
    """A PyTorch `Linear` weight, `(out, in)`, for a Keras `(in, out)` kernel."""

    def checkpoint_shape(self, keras_shape):
        return tuple(reversed(keras_shape))

    def to_keras(self, array):
        return array.T

    def to_checkpoint(self, array):
        return array.T


class Column(Layout):
    """A bias `(N,)` for a Keras bias of shape `(N, 1)` (projections along axis 1)."""

    def checkpoint_shape(self, keras_shape):
        return (keras_shape[0],)

    def to_keras(self, array):
        return array.reshape(-1, 1)

    def to_checkpoint(self, array):
        return array.reshape(-1)


@dataclasses.dataclass(frozen=True)
class ConvKernel(Layout):
    """A patch-embedding convolution kernel for the Dense `stem` on `Patches`.

    `Patches` flattens each patch in (row, column, channel) order, so the
    kernel in `(height, width, in, out)` layout reshapes directly to the
    stem's `(height * width * in, out)`. `order` is the checkpoint's axis
    order: `"HWIO"` (Flax) or `"OIHW"` (PyTorch).
    """

    patch_size: tuple[int, int]
    order: str

    def _hwio_shape(self, keras_shape):
        channels = keras_shape[0] // (self.patch_size[0] * self.patch_size[1])
        return (*self.patch_size, channels, keras_shape[1])

    def checkpoint_shape(self, keras_shape):
        height, width, channels, filters = self._hwio_shape(keras_shape)
        if self.order == "OIHW":
            return (filters, channels, height, width)
        return (height, width, channels, filters)

    def to_keras(self, array):
        if array.ndim != 4:
            return array
        if self.order == "OIHW":
            array = array.transpose(2, 3, 1, 0)
        return array.reshape(-1, array.shape[-1])

    def to_checkpoint(self, array):
        array = array.reshape(self._hwio_shape(array.shape))
        return array.transpose(3, 2, 0, 1) if self.order == "OIHW" else array


SAME = Layout()
TRANSPOSED = Transposed()
COLUMN = Column()


@dataclasses.dataclass(frozen=True, eq=False)
class Rule:
    """One checkpoint tensor filling one model weight.

    `head` marks the classification head, which a model with another number
    of classes (or no head) leaves out instead of failing.
    """

    source: str
    target: keras.Variable
    layout: Layout = SAME
    head: bool = False


def layer_norm_rules(prefix: str, layer, scale: str, offset: str) -> list[Rule]:
    """A LayerNorm's scale and offset, named `prefix + scale` / `prefix + offset`."""
    return [Rule(prefix + scale, layer.gamma), Rule(prefix + offset, layer.beta)]


def dense_rules(
    prefix: str,
    layer,
    kernel: str,
    bias: str,
    kernel_layout: Layout,
    bias_layout: Layout = SAME,
    head: bool = False,
) -> list[Rule]:
    """A dense projection's kernel and bias, named `prefix + kernel` / `prefix + bias`."""
    return [
        Rule(prefix + kernel, layer.kernel, kernel_layout, head),
        Rule(prefix + bias, layer.bias, bias_layout, head),
    ]
