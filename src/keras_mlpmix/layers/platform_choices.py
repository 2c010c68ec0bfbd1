"""The choices keras-mlpmix makes for one backend or device, and why.

Figures: 2-core x86_64 VM, float32 (`benchmarks/suite.py`, `benchmarks/op_profile.py`).
Each choice applies only where it was measured; elsewhere plain `keras.ops` runs.
"""

from __future__ import annotations

import functools
import math

import keras
from keras import ops


def backend() -> str:
    """The Keras backend in use: `"tensorflow"`, `"jax"` or `"torch"`."""
    return keras.backend.backend()


@functools.cache
def on_cpu() -> bool:
    """Whether the backend computes on CPUs only (no GPU or TPU is in use)."""
    if backend() == "torch":
        # Keras puts PyTorch tensors on its default device, a GPU if visible.
        return str(ops.zeros(()).device).startswith("cpu")
    devices = keras.distribution.list_devices()
    return all(device.lower().startswith("cpu") for device in devices)


def writes_exact_gelu_with_erf() -> bool:
    """Whether exact GELU is written `0.5 * x * (1 + erf(x / sqrt(2)))`.

    - TensorFlow: its own GELU uses `erfc`, which ONNX lacks.
    - JAX on CPU: JAX's GELU uses `erfc` too, which XLA for CPU evaluates more
      slowly than `erf` (jaxlib 0.10.2, 2-core CPU, interleaved A/B runs of the
      same model): Mixer-B/16 inference at batch 16 1.06x faster with `erf`, its
      AdamW step 1.14x; gMLP-S/16 inference 1.15x (batch 1) and 1.22x (batch 16),
      its step 1.10x.

    PyTorch keeps its fused kernel, several times faster than four eager ops.
    Both forms give the same values to float32 rounding.

    Example:

    >>> import keras, numpy as np
    >>> from keras_mlpmix.layers import platform_choices
    >>> x = keras.ops.convert_to_tensor(np.array([-1.0, 0.0, 1.0], "float32"))
    >>> y = platform_choices.gelu(x, approximate=False)  # either form
    >>> [round(float(v), 4) for v in keras.ops.convert_to_numpy(y)]
    [-0.1587, 0.0, 0.8413]
    """
    return backend() == "tensorflow" or (backend() == "jax" and on_cpu())


def gelu(x, approximate: bool):
    """GELU, tanh form if `approximate`; see `writes_exact_gelu_with_erf`."""
    if approximate or not writes_exact_gelu_with_erf():
        return ops.gelu(x, approximate=approximate)
    return 0.5 * x * (1.0 + ops.erf(x / math.sqrt(2.0)))


def dropout_masks() -> str:
    """Where dropout masks come from: `"hash"`, `"integers"` or `"keras"`.

    - `"hash"` (JAX and TensorFlow on CPU): `hash_dropout.keep_mask`. On a
      2-core CPU a random number per element cost about 10 GELUs on JAX and
      hundreds under XLA on TensorFlow; the hash, about one element-wise pass.
    - `"integers"` (PyTorch on CPU): random 24-bit integers compared with the
      rate. PyTorch's dropout mask (`bernoulli_`) took 68 ms for `(256, 64,
      256)`, `torch.rand` 34 ms (torch 2.14, 2 threads); the hash, ten eager
      passes, 61 ms. `keras.random.uniform` rescales PyTorch's draws in two
      more passes, `keras.random.randint` returns them as drawn: with integers
      the CIFAR-100 Mixer's eager training step ran 1.12x and 1.11x faster
      than with uniform numbers (interleaved A/B runs).
    - `"keras"` elsewhere (GPUs, not measured): `keras.random.dropout`.
    """
    if on_cpu():
        return "integers" if backend() == "torch" else "hash"
    return "keras"


def uses_real_fourier_transform(x) -> bool:
    """Whether `Re(FFT2(x))` is computed from a real FFT and two real matmuls.

    On a 2-core CPU `fourier_mixing.real_fft2` was up to 1.7x faster than a
    complex 2D FFT on JAX and TensorFlow, slower on PyTorch. It needs the sizes
    at trace time. Elsewhere (GPUs: not measured) `keras.ops.fft2` runs.
    """
    return backend() in ("jax", "tensorflow") and on_cpu() and None not in x.shape[1:]


def uses_fusion_barrier() -> bool:
    """Whether each block's input passes through `fusion_barrier` (JAX on CPU).

    XLA for CPU (jaxlib 0.10.2) fused the backward element-wise chain through
    every block's LayerNorm into each weight gradient's transposed copy,
    recomputing it: 41% of a Mixer-B/16 and 51% of a gMLP-S/16 training step
    (`benchmarks/op_profile.py train`). The barrier made those steps 1.60x
    (batch 8) and 1.78x (batch 16) faster, inference unchanged. FNet gained
    nothing (0.94x, 0.98x) and TensorFlow showed no such chain, so only the
    Mixer and gMLP backbones use it.
    """
    return backend() == "jax" and on_cpu()


def fusion_barrier(x):
    """Returns `x` through a conditional that XLA cannot fuse across.

    The predicate `s == s or s != s`, for one element `s` of `x`, is always
    true (NaN included), but XLA cannot tell and never fuses a conditional.

    Args:
        x: A tensor with at least one axis.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers.platform_choices import fusion_barrier
    >>> x = np.arange(6, dtype="float32").reshape(1, 2, 3)
    >>> bool(np.array_equal(fusion_barrier(x), x))
    True
    """
    x = ops.convert_to_tensor(x)
    # One element (or none, for an empty batch), summed into a scalar.
    sample = ops.sum(x[(slice(0, 1),) * len(x.shape)])
    always = ops.logical_or(ops.equal(sample, sample), ops.not_equal(sample, sample))
    return ops.cond(always, lambda: x, lambda: ops.negative(x))


def compiles_with_xla_by_default() -> bool:
    """Whether `compile(jit_compile="auto")` means XLA where Keras would not.

    Keras picks XLA on JAX, and on TensorFlow only with a GPU. On a 2-core CPU
    XLA made TensorFlow inference of Mixer-B/16 1.12x and gMLP-S/16 1.19x
    faster and the CIFAR-100 Mixer's training step 1.6x, for about a second
    more compilation. PyTorch stays eager: `torch.compile` took 135 s there.
    """
    return backend() == "tensorflow" and on_cpu()


def device_description() -> str:
    """The devices Keras computes on, e.g. `"cpu:0"`, `"cuda:0"` or `"cpu:0, gpu:0"`."""
    if backend() == "torch":
        return str(ops.convert_to_tensor(0.0).device)
    return ", ".join(keras.distribution.list_devices())
