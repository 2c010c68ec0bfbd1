"""FNet's parameter-free token mixing: the real part of a 2D Fourier transform."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.layers.argument_checks import check_rank


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class FourierMixing(keras.layers.Layer):
    """Mixes tokens with the real part of a 2D discrete Fourier transform.

    For `(B, N, D)` inputs it returns `Re(FFT_N(FFT_D(x)))`, the transform
    taken over the patch and the channel axes (Lee-Thorp et al., 2021,
    eq. 3). It has no weights. The transform runs in float32 whatever the
    dtype policy (no backend computes it in half precision) and the result
    is cast back to the compute dtype.

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
        transform_dtype = keras.backend.result_type(inputs.dtype, "float32")
        x = ops.cast(inputs, transform_dtype)
        real, _ = ops.fft2((x, ops.zeros_like(x)))
        return ops.cast(real, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape
