"""Dropout whose masks can come from a counter-based hash of each element's position.

That costs one elementwise pass, where drawing a random number per element dominates
a CPU training step (`platform_choices.dropout_masks`).
"""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError
from keras_mlpmix.layers import platform_choices
from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_int,
    check_positive_int,
    check_rate,
)
from keras_mlpmix.layers.numeric_input import NumericInputLayer

_MASK_BITS = 24  # Bits of each hash or random integer compared with the rate.


def _threshold(rate: float) -> int:
    """The `_MASK_BITS`-bit value below which an element is dropped."""
    return round(rate * (1 << _MASK_BITS))


def _shift_right(value, bits: int):
    """Logical right shift of int32 values (`ops.right_shift` sign-extends)."""
    return ops.bitwise_and(ops.right_shift(value, bits), (1 << (32 - bits)) - 1)


def _as_int32(constant: int):
    """A 32-bit constant as the int32 tensor with the same bits."""
    return ops.convert_to_tensor(constant - (1 << 32) * (constant >> 31), "int32")


def _mix(value):
    """C. Wellons' bijective "lowbias32" hash; int32 products wrap modulo 2**32."""
    value = ops.bitwise_xor(value, _shift_right(value, 16))
    value = ops.multiply(value, _as_int32(0x7FEB352D))
    value = ops.bitwise_xor(value, _shift_right(value, 15))
    value = ops.multiply(value, _as_int32(0x846CA68B))
    return ops.bitwise_xor(value, _shift_right(value, 16))


def _positions(shape):
    """Row-major int32 index of each element, mod 2**32 (`shape[0]` may be symbolic)."""
    index = ops.arange(shape[-1], dtype="int32")
    stride = 1
    for axis in reversed(range(len(shape) - 1)):
        stride *= shape[axis + 1]
        along = ops.arange(shape[axis], dtype="int32") * _as_int32(stride % (1 << 32))
        index = ops.expand_dims(along, tuple(range(1, len(shape) - axis))) + index
    return index


def keep_mask(shape, rate: float, seed_generator: keras.random.SeedGenerator):
    """A boolean mask of `shape`, each element True with probability `1 - rate`.

    Args:
        shape: The mask's shape; the batch size may be symbolic.
        rate: Probability of False, in `[0, 1)`, resolved to 2**-24.
        seed_generator: Draws this call's two 32-bit seeds.

    Example:

    >>> import keras, numpy as np
    >>> from keras_mlpmix.layers.hash_dropout import keep_mask
    >>> mask = keep_mask((1000, 100), 0.25, keras.random.SeedGenerator(1))
    >>> 0.74 < float(np.mean(keras.ops.convert_to_numpy(mask))) < 0.76
    True
    """
    seeds = keras.random.randint(
        (2,), minval=-(2**31), maxval=2**31 - 1, dtype="int32", seed=seed_generator
    )
    bits = _mix(ops.bitwise_xor(_mix(_positions(shape) + seeds[0]), seeds[1]))
    return ops.bitwise_and(bits, (1 << _MASK_BITS) - 1) >= _threshold(rate)


def dropout(inputs, rate: float, seed_generator, shape=None):
    """Zeroes elements with probability `rate`, scales the rest by `1 / (1 - rate)`.

    Masks come from where `platform_choices.dropout_masks` says.

    Args:
        inputs: The tensor to drop out.
        rate: Probability of dropping, in `[0, 1)`; resolved to 2**-24 unless
            Keras draws the masks.
        seed_generator: A `keras.random.SeedGenerator` for the masks.
        shape: Shape of the mask, broadcast to the inputs'; defaults to theirs.
    """
    masks = platform_choices.dropout_masks()
    if masks == "keras":
        return keras.random.dropout(
            inputs, rate, noise_shape=shape, seed=seed_generator
        )
    shape = ops.shape(inputs) if shape is None else shape
    if masks == "hash":
        keep = keep_mask(shape, rate, seed_generator)
    else:  # "integers"
        bits = keras.random.randint(
            shape, 0, 1 << _MASK_BITS, dtype="int32", seed=seed_generator
        )
        keep = bits >= _threshold(rate)
    scale = ops.cast(1.0 / (1.0 - rate), inputs.dtype)
    return ops.where(keep, inputs * scale, ops.zeros((), inputs.dtype))


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class HashDropout(NumericInputLayer):
    """`keras.layers.Dropout` with the masks of `dropout`, cheapest on a CPU.

    Training zeroes each element with probability `rate` and scales the rest by
    `1 / (1 - rate)`; inference is the identity. All dropout in keras-mlpmix uses it.

    Args:
        rate: Probability of dropping an element, in `[0, 1)`.
        noise_shape: Optional mask shape, broadcast to the inputs' (e.g.
            `(None, 1, 1)` drops whole samples); `None` takes the inputs' size.
        seed: Optional integer seed for reproducible masks.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import HashDropout
    >>> x = np.ones((4, 1000), "float32")
    >>> y = np.asarray(HashDropout(0.2, seed=0)(x, training=True))
    >>> sorted(np.unique(y).tolist())  # dropped, or kept and scaled by 1 / 0.8
    [0.0, 1.25]
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kw):
        super().__init__(**kw)
        self.rate = check_rate("rate", rate)
        if noise_shape is not None:
            if not isinstance(noise_shape, (list, tuple)):
                raise InvalidTypeError(
                    "`noise_shape` must be None or a tuple of ints and Nones. "
                    f"Received: noise_shape={noise_shape!r}."
                )
            noise_shape = tuple(
                None if size is None else check_positive_int("noise_shape", size)
                for size in noise_shape
            )
        self.noise_shape = noise_shape
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self._build_at_init()

    def _check_noise_shape(self, input_shape):
        fits = len(self.noise_shape) == len(input_shape) and all(
            noise in (None, 1, size) or size is None
            for noise, size in zip(self.noise_shape, input_shape, strict=True)
        )
        if not fits:
            raise InvalidValueError(
                "`noise_shape` must have the inputs' rank and, on each axis, "
                "None, 1 or the inputs' size. Received: "
                f"noise_shape={self.noise_shape} for input_shape={tuple(input_shape)}."
            )

    def call(self, inputs, training=None):
        if self.noise_shape is not None:
            self._check_noise_shape(inputs.shape)
        if not training or self.rate == 0.0:
            return inputs
        shape = None
        if self.noise_shape is not None:
            shape = tuple(
                size if noise is None else noise
                for size, noise in zip(ops.shape(inputs), self.noise_shape, strict=True)
            )
        return dropout(inputs, self.rate, self.seed_generator, shape)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}
