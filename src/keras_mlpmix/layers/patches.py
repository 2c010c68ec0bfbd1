"""Cutting images into non-overlapping patches, and putting them back."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.errors import InvalidValueError
from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_layer_keywords,
    check_pair,
    check_patch_multiple,
    check_rank,
)


def _check_data_format(data_format: str | None) -> str:
    if data_format is None:
        data_format = keras.config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise InvalidValueError(
            "`data_format` must be 'channels_last', 'channels_first' or None "
            f"(the Keras default). Received: data_format={data_format!r}."
        )
    return data_format


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class Patches(keras.layers.Layer):
    """Cuts images into non-overlapping patches and flattens each one.

    `(B, H, W, C)` becomes `(B, N, ph * pw * C)`, `N = (H / ph) * (W / pw)`,
    patches in row-major order and values in (row, column, channel) order, as in
    `keras.ops.image.extract_patches`: a `Dense` on them equals a convolution of
    kernel and stride `patch_size`, its kernel reshaped to `(ph * pw * C, filters)`.
    `PatchesToImage` is the inverse.

    Args:
        patch_size: Patch height and width, an int or a pair, dividing the image size.
        data_format: `"channels_last"` or `"channels_first"` (same patches); None
            for `keras.config.image_data_format()`.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import Patches
    >>> images = np.random.rand(2, 64, 48, 3).astype("float32")
    >>> tuple(Patches(16)(images).shape)  # 4 x 3 patches of 16 * 16 * 3 values
    (2, 12, 768)
    """

    def __init__(self, patch_size, data_format: str | None = None, **kwargs):
        check_layer_keywords(type(self), kwargs)
        super().__init__(**kwargs)
        self.patch_size = check_pair("patch_size", patch_size)
        self.data_format = _check_data_format(data_format)

    def _image_dims(self, input_shape):
        check_rank("Patches", input_shape, 4, _image_layout(self.data_format))
        if self.data_format == "channels_first":
            return input_shape[2], input_shape[3], input_shape[1]
        return input_shape[1], input_shape[2], input_shape[3]

    def build(self, input_shape):
        height, width, _ = self._image_dims(input_shape)
        for name, size, patch in (
            ("height", height, self.patch_size[0]),
            ("width", width, self.patch_size[1]),
        ):
            if size is not None and size % patch:
                raise InvalidValueError(
                    f"The image {name} must be a multiple of the patch size. "
                    f"Received: image {name} {size} with patch_size={self.patch_size} "
                    f"(input_shape={tuple(input_shape)}). Resize or crop the images "
                    f"to a multiple of {patch}, e.g. {size - size % patch or patch}."
                )

    def call(self, images):
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 2, 3, 1))
        _, height, width, channels = ops.shape(images)
        ph, pw = self.patch_size
        grid_h, grid_w = height // ph, width // pw
        x = ops.reshape(images, (-1, grid_h, ph, grid_w, pw, channels))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (-1, grid_h * grid_w, ph * pw * channels))

    def compute_output_shape(self, input_shape):
        height, width, channels = self._image_dims(input_shape)
        ph, pw = self.patch_size
        num_patches = (
            None if height is None or width is None else (height // ph) * (width // pw)
        )
        patch_dim = None if channels is None else ph * pw * channels
        return (input_shape[0], num_patches, patch_dim)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class PatchesToImage(keras.layers.Layer):
    """Puts flattened patches back together into images; inverts `Patches`.

    Args:
        image_size: Image height and width, an int or a pair; multiples of `patch_size`.
        patch_size: Patch height and width, as given to `Patches`.
        data_format: Layout of the returned images; see `Patches`.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import Patches, PatchesToImage
    >>> images = np.random.rand(2, 32, 32, 3).astype("float32")
    >>> restored = PatchesToImage(image_size=32, patch_size=8)(Patches(8)(images))
    >>> bool(np.array_equal(np.asarray(restored), images))
    True
    """

    def __init__(
        self, image_size, patch_size, data_format: str | None = None, **kwargs
    ):
        check_layer_keywords(type(self), kwargs)
        super().__init__(**kwargs)
        self.image_size = check_pair("image_size", image_size)
        self.patch_size = check_pair("patch_size", patch_size)
        self.data_format = _check_data_format(data_format)
        check_patch_multiple(self.image_size, self.patch_size)
        self.grid = (
            self.image_size[0] // self.patch_size[0],
            self.image_size[1] // self.patch_size[1],
        )

    def build(self, input_shape):
        check_rank("PatchesToImage", input_shape, 3, "(batch, patches, patch_values)")
        num_patches, patch_dim = input_shape[1], input_shape[2]
        ph, pw = self.patch_size
        expected = self.grid[0] * self.grid[1]
        if num_patches is not None and num_patches != expected:
            raise InvalidValueError(
                f"PatchesToImage with image_size={self.image_size} and "
                f"patch_size={self.patch_size} expects {expected} patches. "
                f"Received: input_shape={tuple(input_shape)}."
            )
        if patch_dim is not None and patch_dim % (ph * pw):
            raise InvalidValueError(
                f"The last axis must hold ph * pw * channels = {ph * pw} * channels "
                f"values. Received: input_shape={tuple(input_shape)}."
            )

    def call(self, patches):
        ph, pw = self.patch_size
        channels = ops.shape(patches)[-1] // (ph * pw)
        x = ops.reshape(patches, (-1, self.grid[0], self.grid[1], ph, pw, channels))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        images = ops.reshape(x, (-1, self.image_size[0], self.image_size[1], channels))
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 3, 1, 2))
        return images

    def compute_output_shape(self, input_shape):
        ph, pw = self.patch_size
        channels = None if input_shape[2] is None else input_shape[2] // (ph * pw)
        if self.data_format == "channels_first":
            return (input_shape[0], channels, *self.image_size)
        return (input_shape[0], *self.image_size, channels)

    def get_config(self):
        return {
            **super().get_config(),
            "image_size": self.image_size,
            "patch_size": self.patch_size,
            "data_format": self.data_format,
        }


def _image_layout(data_format: str) -> str:
    if data_format == "channels_first":
        return "(batch, channels, height, width)"
    return "(batch, height, width, channels)"
