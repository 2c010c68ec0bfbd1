"""FNet's parameter-free token mixing: the real part of a 2D Fourier transform."""

from __future__ import annotations

import functools

import keras
import numpy as np
from keras import ops

from keras_mlpmix.layers import platform_choices
from keras_mlpmix.layers.argument_checks import check_rank
from keras_mlpmix.layers.numeric_input import NumericInputLayer


@functools.cache
def _dft_matrices(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine and sine parts of the `size`-point DFT matrix (float64)."""
    angles = 2 * np.pi * np.outer(np.arange(size), np.arange(size)) / size
    return np.cos(angles), np.sin(angles)


def real_fft2(x):
    """`Re(FFT2(x))` over the last two axes of a real `(B, N, D)` tensor.

    With `Z = rfft(X)` (columns `0 .. D // 2`) and `F_N = C_N - i S_N`,
    `Re(F_N Z) = P + Q` for `P = C_N Re(Z)`, `Q = S_N Im(Z)`. By Hermitian
    symmetry, column `D - l` (`0 < l < D / 2`) is `P - Q` at column `l`.
    """
    size, width = x.shape[1], x.shape[2]
    cosines, sines = (ops.convert_to_tensor(m, x.dtype) for m in _dft_matrices(size))
    real, imag = ops.rfft(x)
    p = ops.einsum("kn,bnl->bkl", cosines, real)
    q = ops.einsum("kn,bnl->bkl", sines, imag)
    mirrored = ops.flip((p - q)[..., 1 : (width + 1) // 2], axis=-1)
    return ops.concatenate([(p + q)[..., : width // 2 + 1], mirrored], axis=-1)


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class FourierMixing(NumericInputLayer):
    """Mixes tokens with the real part of a 2D discrete Fourier transform.

    `Re(FFT_N(FFT_D(x)))` of `(B, N, D)` inputs (Lee-Thorp et al., 2021, eq. 3), in
    float32 whatever the dtype policy; `platform_choices.uses_real_fourier_transform`
    picks between two exact routes.

    Args:
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import FourierMixing
    >>> tokens = np.random.rand(2, 16, 8).astype("float32")
    >>> mixed = FourierMixing()(tokens)
    >>> bool(np.allclose(mixed, np.fft.fft2(tokens).real, atol=1e-4))
    True
    """

    def build(self, input_shape):
        check_rank("FourierMixing", input_shape, 3, "(batch, patches, channels)")

    def call(self, inputs):
        x = ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))
        if 0 in x.shape:
            # PyTorch's FFT (MKL) fails on an empty tensor; the result is empty.
            return ops.zeros_like(inputs, dtype=self.compute_dtype)
        if platform_choices.uses_real_fourier_transform(x):
            real = real_fft2(x)
        else:
            real, _ = ops.fft2((x, ops.zeros_like(x)))
        return ops.cast(real, self.compute_dtype)
