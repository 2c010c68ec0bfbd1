"""Checkpoint layouts: how published checkpoints name and lay out their tensors.

`OFFICIAL` is the Flax tree of the MLP-Mixer `.npz` files, `TIMM` timm's state dicts;
each family's `Backbone.checkpoint_rules` maps its weights to them with `Rule`s.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from keras_mlpmix.weights.patch_grid import PatchAxes


class Layout:
    """How a checkpoint array is laid out relative to its Keras variable."""

    def checkpoint_shape(self, keras_shape: tuple) -> tuple:
        """The checkpoint array shape that fills a variable of `keras_shape`."""
        return self.to_checkpoint(np.empty(keras_shape, np.int8)).shape

    def to_keras(self, array: np.ndarray) -> np.ndarray:
        return array

    def to_checkpoint(self, array: np.ndarray) -> np.ndarray:
        return array


class Transposed(Layout):
    """A PyTorch `Linear` weight, `(out, in)`, for a Keras `(in, out)` kernel."""

    def to_keras(self, array):
        return array.T

    to_checkpoint = to_keras


class Column(Layout):
    """A bias `(N,)` for a Keras bias of shape `(N, 1)` (projections along axis 1)."""

    def to_keras(self, array):
        return array.reshape(-1, 1)

    def to_checkpoint(self, array):
        return array.reshape(-1)


class Broadcastable(Layout):
    """A per-channel `(C,)` vector stored as `(1, 1, C)`, as in timm's `Affine`."""

    def to_keras(self, array):
        return array.reshape(array.shape[2:]) if array.shape[:2] == (1, 1) else array

    def to_checkpoint(self, array):
        return array.reshape(1, 1, *array.shape)


@dataclasses.dataclass(frozen=True)
class ConvKernel(Layout):
    """A patch-embedding convolution kernel, `"HWIO"` (Flax) or `"OIHW"` (PyTorch).

    `Patches` flattens patches in (row, column, channel) order, so an HWIO kernel
    reshapes directly to the Dense `stem`'s `(height * width * in, out)`.
    """

    patch_size: tuple[int, int]
    order: str

    def to_keras(self, array):
        if array.ndim != 4:
            return array
        if self.order == "OIHW":
            array = array.transpose(2, 3, 1, 0)
        return array.reshape(-1, array.shape[-1])

    def to_checkpoint(self, array):
        array = array.reshape(*self.patch_size, -1, array.shape[1])
        return array.transpose(3, 2, 0, 1) if self.order == "OIHW" else array


SAME = Layout()
TRANSPOSED = Transposed()
COLUMN = Column()
BROADCASTABLE = Broadcastable()


@dataclasses.dataclass(frozen=True, eq=False)
class Rule:
    """One checkpoint tensor filling one model weight.

    Attributes:
        source: The tensor's name in the checkpoint.
        target: The Keras variable it fills.
        layout: How the checkpoint array converts to the variable's.
        head: Marks the classification head, left out (not an error) if it does not fit.
        patch_axes: The variable's `PatchAxes` over the patch grid, or None.
    """

    source: str
    target: keras.Variable
    layout: Layout = SAME
    head: bool = False
    patch_axes: PatchAxes | None = None


@dataclasses.dataclass(frozen=True)
class CheckpointLayout:
    """The naming and array conventions of one family of published checkpoints.

    Attributes:
        name: `"official"` or `"timm"`.
        description: What the layout is, for messages.
        formats: The file formats that hold it (see `checkpoint_files`).
        approximate_gelu: Whether its checkpoints were trained with tanh GELU.
        separator: Between the parts of a tensor name.
        stem_name: Name of the patch embedding.
        norm_name: Name of the normalisation before the head.
        kernel: Name of a dense layer's kernel.
        scale: Name of a normalisation's scale.
        kernel_layout: Layout of a dense kernel.
        conv_order: Axis order of a convolution kernel.
    """

    name: str
    description: str
    formats: tuple[str, ...]
    approximate_gelu: bool
    separator: str
    stem_name: str
    norm_name: str
    kernel: str
    scale: str
    kernel_layout: Layout
    conv_order: str

    def key(self, *parts) -> str:
        """A tensor name from its parts, e.g. `key("blocks", 0, "norm1")`."""
        return self.separator.join(str(part) for part in parts)

    @property
    def head_names(self) -> tuple[str, str]:
        """Names of the classification head's kernel and bias."""
        return (self.key("head", self.kernel), self.key("head", "bias"))

    def num_classes(self, tensors: dict) -> int | None:
        """The size of a checkpoint's head, or None if it has none."""
        kernel = tensors.get(self.head_names[0])
        if kernel is None or getattr(kernel, "ndim", 0) != 2:
            return None
        return int(self.kernel_layout.to_keras(kernel).shape[1])

    def dense(self, prefix, layer, bias_layout=SAME, head=False, patch_axes=None):
        """The rules of a dense projection's kernel and bias under `prefix`.

        Args:
            prefix: The projection's name in the checkpoint.
            layer: A layer with `kernel` and `bias` variables, kernel `(in, out)`.
            bias_layout: How the bias is stored (`COLUMN` along the patch axis).
            head: Whether this is the classification head.
            patch_axes: `(kernel_axes, bias_axes)` for a projection over the patches.
        """
        kernel_axes, bias_axes = patch_axes or (None, None)
        kernel = self.key(prefix, self.kernel)
        return [
            Rule(kernel, layer.kernel, self.kernel_layout, head, kernel_axes),
            Rule(self.key(prefix, "bias"), layer.bias, bias_layout, head, bias_axes),
        ]

    def norm(self, prefix, layer, scale: str = "gamma", offset: str = "beta"):
        """The rules of a normalisation's variables `scale`, `offset` at `prefix`."""
        return [
            Rule(self.key(prefix, self.scale), getattr(layer, scale)),
            Rule(self.key(prefix, "bias"), getattr(layer, offset)),
        ]

    def stem(self, prefix, layer, patch_size):
        """The rules of the patch embedding, a convolution in the checkpoint."""
        kernel, bias = self.dense(prefix, layer)
        conv = ConvKernel(patch_size, self.conv_order)
        return [dataclasses.replace(kernel, layout=conv), bias]


OFFICIAL = CheckpointLayout(
    name="official",
    description="the official MLP-Mixer .npz layout",
    formats=("npz",),
    approximate_gelu=True,
    separator="/",
    stem_name="stem",
    norm_name="pre_head_layer_norm",
    kernel="kernel",
    scale="scale",
    kernel_layout=SAME,
    conv_order="HWIO",
)
TIMM = CheckpointLayout(
    name="timm",
    description="timm's state dict layout",
    formats=("safetensors", "torch"),
    approximate_gelu=False,
    separator=".",
    stem_name="stem.proj",
    norm_name="norm",
    kernel="weight",
    scale="weight",
    kernel_layout=TRANSPOSED,
    conv_order="OIHW",
)


def layout_of_format(format: str) -> CheckpointLayout:
    """The layout a file of `format` holds: `"npz"` official, else timm's."""
    return next(layout for layout in (OFFICIAL, TIMM) if format in layout.formats)
