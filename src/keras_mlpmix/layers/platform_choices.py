"""The choices keras-mlpmix makes for one backend or device, and why.

Every layer computes the same function on every backend. How it is computed
depends on the platform in exactly the places listed here, each with the
measurement that justifies it and the platform it was measured on. A choice
measured on one platform applies there only; everywhere else the plain
`keras.ops` route runs. The layers and models ask this module; none of them
branches on the backend itself.

| choice | applies on | measured |
|---|---|---|
| `gelu`: exact GELU written with `erf` | TensorFlow | ONNX has no `erfc` |
| `dropout_masks`: "hash" | JAX, TensorFlow on CPU | 2-core CPU |
| `dropout_masks`: "uniform" | PyTorch on CPU | 2-core CPU, torch 2.14 |
| `uses_real_fourier_transform` | JAX, TensorFlow on CPU | 2-core CPU |
| `uses_fusion_barrier` | JAX on CPU | 2-core CPU, jaxlib 0.10.2 |
| `compiles_with_xla_by_default` | TensorFlow on CPU | 2-core CPU |

The measurements were taken on a 2-core x86_64 virtual machine in float32
(`benchmarks/suite.py`, `benchmarks/op_profile.py`); the docs' benchmarks
page has the figures.
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


def gelu(x, approximate: bool):
    """GELU; on TensorFlow the exact form is written with `erf`.

    TensorFlow's own exact GELU is `0.5 * x * erfc(-x / sqrt(2))`, and ONNX
    has no `erfc`, so a TensorFlow model using it cannot be exported to
    ONNX. `0.5 * x * (1 + erf(x / sqrt(2)))` is the same function, converts,
    and is what JAX computes anyway. PyTorch and JAX keep their own kernels
    (PyTorch's fused one is several times faster than four element-wise ops
    in eager mode).
    """
    if approximate or backend() != "tensorflow":
        return ops.gelu(x, approximate=approximate)
    return 0.5 * x * (1.0 + ops.erf(x / math.sqrt(2.0)))


def dropout_masks() -> str:
    """Where dropout masks come from: `"hash"`, `"uniform"` or `"keras"`.

    - `"hash"` (JAX and TensorFlow on CPU): a counter-based hash of each
      element's position (`keras_mlpmix.layers.hash_dropout.keep_mask`).
      On a 2-core CPU, drawing one random number per element cost about
      ten times a GELU over the same tensor on JAX, and several hundred
      times under XLA on TensorFlow; the hash costs about one element-wise
      pass.
    - `"uniform"` (PyTorch on CPU): uniform random numbers compared with
      the rate. PyTorch's own dropout draws its mask with `bernoulli_`,
      which took 68 ms for a `(256, 64, 256)` tensor against 34 ms for
      `torch.rand` (torch 2.14, 2 threads); the whole masked product took
      52 ms against 75 ms, and the CIFAR-100 Mixer's eager training step
      took 0.85 of the time. The hash, ten eager passes, took 61 ms.
    - `"keras"` elsewhere (GPUs, where nothing was measured):
      `keras.random.dropout`.
    """
    if on_cpu():
        return "uniform" if backend() == "torch" else "hash"
    return "keras"


def uses_real_fourier_transform(x) -> bool:
    """Whether `Re(FFT2(x))` is computed from a real FFT and two real matmuls.

    On a 2-core CPU, a real FFT along the channels followed by two real
    matrix products along the patches (`fourier_mixing.real_fft2`) was up
    to 1.7x faster than a complex 2D FFT on JAX and TensorFlow; on PyTorch
    the complex `fft2` was faster. It needs the sizes when the function is
    traced. Elsewhere, and on GPUs, where nothing was measured, the complex
    2D FFT of `keras.ops.fft2` runs.
    """
    return backend() in ("jax", "tensorflow") and on_cpu() and None not in x.shape[1:]


def uses_fusion_barrier() -> bool:
    """Whether each block's input passes through `fusion_barrier` (JAX on CPU).

    In the backward pass the gradient of the residual stream is an
    element-wise chain through every block's LayerNorm. XLA for CPU (jaxlib
    0.10.2) fused that chain into each transposed copy feeding a weight
    gradient, so each copy recomputed the chain of every block above it:
    41% of a Mixer-B/16 training step and 51% of a gMLP-S/16 step
    (`benchmarks/op_profile.py train`). With the barrier the steps were
    1.60x (Mixer-B/16, batch 8) and 1.78x (gMLP-S/16, batch 16) faster, and
    inference unchanged. FNet's post-norm blocks gained nothing (0.94x and
    0.98x) and TensorFlow's XLA showed no such chain, so only the Mixer and
    gMLP backbones use it, on JAX on CPU.
    """
    return backend() == "jax" and on_cpu()


def fusion_barrier(x):
    """Returns `x` through a conditional that XLA cannot fuse across.

    The predicate, `s == s or s != s` for one element `s` of `x`, is true
    for every value, NaN included, but XLA cannot tell while compiling, and
    it never fuses a conditional; JAX differentiates one into another
    conditional. The other branch is never taken.

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

    Keras resolves `"auto"` to XLA on JAX, and on TensorFlow only when a GPU
    is present. On a 2-core CPU (float32), XLA made TensorFlow inference of
    Mixer-B/16 1.12x and of gMLP-S/16 1.19x faster and the CIFAR-100
    Mixer's training step 1.6x faster, for about a second more compilation
    on the first call; so on TensorFlow on CPU it is XLA too. On PyTorch
    `torch.compile` took 135 s to compile that training step, so `"auto"`
    stays eager there, as in Keras.
    """
    return backend() == "tensorflow" and on_cpu()


def device_description() -> str:
    """The devices Keras computes on, e.g. `"cpu:0"`, `"cuda:0"` or `"cpu:0, gpu:0"`."""
    if backend() == "torch":
        return str(ops.convert_to_tensor(0.0).device)
    return ", ".join(keras.distribution.list_devices())
