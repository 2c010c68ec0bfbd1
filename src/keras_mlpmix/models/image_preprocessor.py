"""Turning raw images into what a backbone expects: resized and normalised."""

from __future__ import annotations

import numbers

import keras
from keras import ops

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError
from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_choice,
    check_epsilon,
    check_float,
    check_layer_keywords,
    check_pair,
)

# The resize methods that every backend supports.
INTERPOLATIONS = ("bilinear", "nearest", "bicubic")


def _check_channel_values(name: str, value, positive: bool) -> tuple | None:
    """Returns `value` as a tuple of floats (one, or one per channel), or None."""
    if value is None:
        return None
    values = value if isinstance(value, (list, tuple)) else (value,)
    if not values or any(
        isinstance(v, bool) or not isinstance(v, numbers.Real) for v in values
    ):
        raise InvalidTypeError(
            f"`{name}` must be None, a number or a sequence of numbers, one per "
            f"channel. Received: {name}={value!r}."
        )
    check = check_epsilon if positive else check_float
    return tuple(check(name, v) for v in values)


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class ImagePreprocessor(keras.layers.Layer):
    """Resizes raw images to a backbone's size and normalises them.

    Takes channels-last `(B, H, W, C)` images of any size and numeric dtype
    (e.g. `uint8` in `[0, 255]`) and returns `(resize(x) * scale - mean) / std`
    per channel, computed in float32 (resizing uint8 would round) and cast to
    the compute dtype. The presets carry their checkpoints' `mean` and `std`
    (e.g. 0.5 for MLP-Mixer and gMLP); see `ImageClassifier.from_preset(...,
    include_preprocessing=True)`.

    Args:
        image_size: Output height and width, an int or a pair.
        mean: Subtracted after scaling: None, a finite number or one per channel.
        std: Divides after the mean: None, a finite positive number or one per
            channel.
        scale: Finite positive factor applied first; `1 / 255` maps `[0, 255]`
            to `[0, 1]`.
        interpolation: `"bilinear"`, `"nearest"` or `"bicubic"`.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import ImagePreprocessor
    >>> images = np.full((2, 32, 32, 3), 255, "uint8")
    >>> layer = ImagePreprocessor(64, mean=0.5, std=0.5)
    >>> outputs = layer(images)
    >>> tuple(outputs.shape), float(np.asarray(outputs).max())
    ((2, 64, 64, 3), 1.0)
    """

    def __init__(
        self,
        image_size,
        mean=None,
        std=None,
        scale: float = 1 / 255,
        interpolation: str = "bilinear",
        **kwargs,
    ):
        check_layer_keywords(type(self), kwargs)
        super().__init__(**kwargs)
        self.image_size = check_pair("image_size", image_size)
        self.mean = _check_channel_values("mean", mean, positive=False)
        self.std = _check_channel_values("std", std, positive=True)
        self.scale = check_epsilon("scale", scale)
        self.interpolation = check_choice(
            "interpolation", interpolation, INTERPOLATIONS
        )

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise InvalidValueError(
                "ImagePreprocessor expects images of rank 4, (batch, height, "
                f"width, channels). Received: input_shape={tuple(input_shape)}."
            )
        channels = input_shape[-1]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if values is not None and len(values) not in (1, channels):
                raise InvalidValueError(
                    f"`{name}` must hold one value or one per channel ({channels}). "
                    f"Received: {name}={values}."
                )

    def call(self, images):
        x = ops.image.resize(
            ops.cast(images, "float32"),
            self.image_size,
            interpolation=self.interpolation,
            data_format="channels_last",
        )
        x = x * self.scale
        if self.mean is not None:
            x = x - ops.convert_to_tensor(self.mean, "float32")
        if self.std is not None:
            x = x / ops.convert_to_tensor(self.std, "float32")
        return ops.cast(x, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}
