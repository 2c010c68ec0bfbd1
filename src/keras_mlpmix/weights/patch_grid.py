"""Adapting weights tied to the patch grid to another image size.

MLP-Mixer's token-mixing MLPs, gMLP's spatial gating projections, ResMLP's
linear token mixing and position embeddings have one row or column per
patch (each family names its own, see `Backbone.checkpoint_rules`). Built for another
image size (same patch size), a model has another grid of patches, `(h, w)`
instead of `(h0, w0)`, and these weights must be resized along their patch
axes. Each patch axis is reshaped to the 2D grid and resized by separable
linear interpolation (`interpolation_matrix`); how depends on its role:

- An *output* patch axis produces one value per patch (token-mixing fc2's
  output, the spatial projection's output, a position embedding, their
  biases). It is interpolated like an image: `W' = A W`.
- An *input* patch axis sums over the patches (token-mixing fc1's input, the
  spatial projection's input). Its weights are mapped so that the adapted
  layer gives the same result on an interpolated grid as the original on the
  original grid: `W'ᵀ A = Wᵀ`, solved in the least-squares sense,
  `W' = pinv(Aᵀ) W`.

Together: for the adapted token-mixing MLP `f'` (and spatial projection),
`f'(A x) = A f(x)` exactly when the grid grows, and in the least-squares
sense when it shrinks. This is the pseudo-inverse resize FlexiViT (Beyer et
al., 2023) applies to patch embeddings, here applied to the patch axes. It
is not what the MLP-Mixer paper did (see `docs/guides/transfer_resolution.md`).
"""

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

    Samples sit at the centres of `source` equal cells spanning the same
    interval as `target` cells (half-pixel centres, the convention of
    `keras.ops.image.resize` and `jax.image.resize`). When shrinking, the
    triangle kernel widens by `source / target` (antialiasing). Every row
    sums to one, so constants are preserved, and `source == target` gives the
    identity.

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

    Args:
        array: A weight whose `axes` have `source_grid[0] * source_grid[1]`
            entries each, in row-major patch order.
        axes: Which axes are inputs and outputs over the patches.
        source_grid: `(rows, columns)` of patches the weight was trained for.
        target_grid: `(rows, columns)` of patches to resize to.

    Returns:
        The resized weight, in the dtype of `array`.

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
        result = _apply_along_grid(result, axis, source_grid, matrices)
    return result.astype(array.dtype)


def _apply_along_grid(array, axis, grid, matrices):
    """Applies `matrices[0]` to the grid rows and `matrices[1]` to its columns."""
    moved = np.moveaxis(array, axis, 0)
    rest = moved.shape[1:]
    gridded = moved.reshape(*grid, -1)
    resized = np.einsum("ih,jw,hwr->ijr", matrices[0], matrices[1], gridded)
    return np.moveaxis(resized.reshape(-1, *rest), 0, axis)
