"""Resizing weights tied to the patch grid to another image size (same patch size)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class PatchAxes:
    """The axes of a weight that run over the patch grid.

    Attributes:
        inputs: Axes that sum over the patches.
        outputs: Axes that give one value per patch.
    """

    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()

    @property
    def all(self) -> tuple[int, ...]:
        return self.inputs + self.outputs


def interpolation_matrix(source: int, target: int) -> np.ndarray:
    """The `(target, source)` matrix of 1D linear interpolation.

    Half-pixel centres, as `keras.ops.image.resize`; antialiased when shrinking (the
    kernel widens by `source / target`). Rows sum to one; equal sizes give the identity.

    Example:

    >>> from keras_mlpmix.weights.patch_grid import interpolation_matrix
    >>> interpolation_matrix(2, 4)
    array([[1.  , 0.  ],
           [0.75, 0.25],
           [0.25, 0.75],
           [0.  , 1.  ]])
    """
    scale = target / source
    width = max(1.0, 1.0 / scale)
    centres = (np.arange(target) + 0.5) / scale - 0.5
    weights = np.maximum(
        0.0, 1.0 - np.abs(centres[:, None] - np.arange(source)[None, :]) / width
    )
    return weights / weights.sum(axis=1, keepdims=True)


def square_grid(num_patches: int) -> tuple[int, int] | None:
    """`(n, n)` if `num_patches` is a perfect square `n * n`, else None."""
    side = math.isqrt(num_patches)
    return (side, side) if side * side == num_patches else None


def resize(array: np.ndarray, axes: PatchAxes, source_grid, target_grid) -> np.ndarray:
    """Resizes the patch axes of `array` from `source_grid` to `target_grid`.

    Each axis is resized as a 2D grid by separable interpolation `A`. Output axes (one
    value per patch) become `A W`; input axes (summed over patches) `pinv(Aᵀ) W`, so
    the adapted layer `f'` gives `f'(A x) = A f(x)`: exactly when the grid grows, in
    the least-squares sense when it shrinks. This is FlexiViT's pseudo-inverse resize
    (Beyer et al., 2023), not what the MLP-Mixer paper did (see
    `docs/guides/transfer_resolution.md`).

    Args:
        array: A weight whose `axes` each have one entry per patch, row-major; the
            result keeps its dtype.
        axes: Which axes are inputs and outputs over the patches.
        source_grid: `(rows, columns)` of patches the weight was trained for.
        target_grid: `(rows, columns)` of patches to resize to.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.weights.patch_grid import PatchAxes, resize
    >>> embedding = np.ones((4, 3))  # 2 x 2 patches, 3 channels
    >>> resize(embedding, PatchAxes(outputs=(0,)), (2, 2), (3, 3)).shape
    (9, 3)
    """
    result = np.asarray(array, dtype=np.float64)
    for axis in axes.all:
        matrices = [
            interpolation_matrix(source, target)
            for source, target in zip(source_grid, target_grid, strict=True)
        ]
        if axis in axes.inputs:
            matrices = [np.linalg.pinv(matrix.T) for matrix in matrices]
        # The first matrix resizes the grid's rows, the second its columns.
        moved = np.moveaxis(result, axis, 0)
        gridded = moved.reshape(*source_grid, -1)
        resized = np.einsum("ih,jw,hwr->ijr", *matrices, gridded)
        result = np.moveaxis(resized.reshape(-1, *moved.shape[1:]), 0, axis)
    return result.astype(array.dtype)
