"""Random zoom and rotation of images in one resampling step."""

from __future__ import annotations

import math

import keras
from keras import ops

from keras_mlpmix.layers.argument_checks import arguments_config, check_rank, check_rate


def _reflect(index, size: int):
    """Folds integer pixel indices into [0, size) by mirroring at the edges."""
    index = ops.mod(index, 2 * size)
    return ops.where(index >= size, 2 * size - 1 - index, index)


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class RandomZoomRotation(keras.layers.Layer):
    """Zooms and rotates each image by a random amount, during training only.

    `keras.layers.RandomZoom` then `RandomRotation` in one bilinear resampling of
    the batch: angles uniform in `[-rotation_factor, rotation_factor] * 2 pi`,
    height and width zooms drawn independently from `[-zoom_factor, zoom_factor]`
    (positive zooms out); outside pixels mirror the edges (Keras's `"reflect"`).
    The Keras layers resample image by image on PyTorch, several times slower;
    this costs about the same on every backend. At inference it returns its
    input, cast to the compute dtype.

    Args:
        rotation_factor: Largest rotation, as a fraction of a turn, in [0, 1).
        zoom_factor: Largest relative zoom, in [0, 1).
        seed: Seed of the random draws.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_mlpmix.training import RandomZoomRotation
    >>> images = np.random.rand(4, 32, 32, 3).astype("float32")
    >>> layer = RandomZoomRotation(rotation_factor=0.02, zoom_factor=0.2, seed=0)
    >>> tuple(layer(images, training=True).shape)
    (4, 32, 32, 3)
    >>> bool(np.all(keras.ops.convert_to_numpy(layer(images)) == images))  # inference
    True
    """

    def __init__(
        self,
        rotation_factor: float = 0.02,
        zoom_factor: float = 0.2,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.rotation_factor = check_rate("rotation_factor", rotation_factor)
        self.zoom_factor = check_rate("zoom_factor", zoom_factor)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._build_at_init()

    def _uniform(self, batch, limit):
        return keras.random.uniform(
            (batch, 1, 1), -limit, limit, seed=self.seed_generator
        )

    def call(self, images, training=False):
        check_rank(
            "RandomZoomRotation", images.shape, 4, "(batch, height, width, channels)"
        )
        if not training:
            return ops.cast(images, self.compute_dtype)
        x = ops.cast(images, "float32")
        batch, height, width, channels = ops.shape(x)
        angle = self._uniform(batch, self.rotation_factor * 2 * math.pi)
        zoom_y = 1 + self._uniform(batch, self.zoom_factor)
        zoom_x = 1 + self._uniform(batch, self.zoom_factor)
        # Where each output pixel comes from: zoom, then rotate, about the centre.
        rows, cols = ops.meshgrid(
            ops.arange(height, dtype="float32") - (height - 1) / 2,
            ops.arange(width, dtype="float32") - (width - 1) / 2,
            indexing="ij",
        )
        rows, cols = rows[None] * zoom_y, cols[None] * zoom_x
        cos, sin = ops.cos(angle), ops.sin(angle)
        source_rows = cos * rows - sin * cols + (height - 1) / 2
        source_cols = sin * rows + cos * cols + (width - 1) / 2

        top, left = ops.floor(source_rows), ops.floor(source_cols)
        weight_rows = (source_rows - top)[..., None]
        weight_cols = (source_cols - left)[..., None]
        top, left = ops.cast(top, "int32"), ops.cast(left, "int32")
        pixels = ops.reshape(x, (-1, channels))
        offsets = ops.reshape(
            ops.arange(batch, dtype="int32") * height * width, (-1, 1, 1)
        )

        def tap(row, col):
            index = offsets + _reflect(row, height) * width + _reflect(col, width)
            return ops.take(pixels, index, axis=0)

        upper = tap(top, left) * (1 - weight_cols) + tap(top, left + 1) * weight_cols
        lower = (
            tap(top + 1, left) * (1 - weight_cols)
            + tap(top + 1, left + 1) * weight_cols
        )
        return ops.cast(
            upper * (1 - weight_rows) + lower * weight_rows, self.compute_dtype
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}
