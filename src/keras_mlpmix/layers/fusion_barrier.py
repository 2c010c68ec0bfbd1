"""An identity that XLA cannot fuse across, for the residual stream on JAX."""

from __future__ import annotations

import keras
from keras import ops


def fusion_barrier(x):
    """Returns `x`, through a conditional XLA cannot see through, on JAX.

    In the backward pass the gradient of the residual stream is an
    elementwise chain through every block's LayerNorm. XLA for CPU (jaxlib
    0.10.2) fuses that chain into each transposed copy feeding a weight
    gradient, so each copy recomputes the chain of every block above it:
    41% of a Mixer-B/16 training step and 51% of a gMLP-S/16 step
    (`benchmarks/op_profile.py`). A conditional is never fused, and JAX
    differentiates it into another conditional, so passing each block's
    input through one makes XLA compute that gradient once per block.
    `MixerBlock` and `gMLPBlock` do: 1.6x faster Mixer-B/16 (batch 8)
    and 1.8x faster gMLP-S/16 (batch 16) training steps, the same inference
    speed. FNet's post-norm blocks gained nothing measurable and go without.

    The predicate, `s == s or s != s` for one element `s` of `x`, is true
    for every value, NaN included, but XLA cannot tell at compile time. The
    other branch is never taken. On other backends `x` is returned as is.

    Args:
        x: A tensor with at least one axis.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers.fusion_barrier import fusion_barrier
    >>> x = np.arange(6, dtype="float32").reshape(1, 2, 3)
    >>> bool(np.array_equal(fusion_barrier(x), x))
    True
    """
    if keras.backend.backend() != "jax":
        return x
    x = ops.convert_to_tensor(x)
    # One element (or none, for an empty batch), summed into a scalar.
    sample = ops.sum(x[(slice(0, 1),) * len(x.shape)])
    always = ops.logical_or(ops.equal(sample, sample), ops.not_equal(sample, sample))
    return ops.cond(always, lambda: x, lambda: ops.negative(x))
