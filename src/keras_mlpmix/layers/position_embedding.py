"""Learned, additive position embedding for a fixed number of patches."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.errors import InvalidValueError
from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_positive_int,
    check_rank,
)
from keras_mlpmix.layers.numeric_input import NumericInputLayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class PositionEmbedding(NumericInputLayer):
    """Adds a learned embedding to each patch position.

    Adds a trainable `(N, D)` table to `(B, N, D)` inputs; inputs with another
    number of patches are refused, not broadcast.

    Args:
        num_patches: Number of patches `N` the embedding is learned for.
        initializer: Initializer of the table; None for a normal with stddev 0.02.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import PositionEmbedding
    >>> tokens = np.zeros((2, 64, 256), "float32")
    >>> tuple(PositionEmbedding(num_patches=64)(tokens).shape)
    (2, 64, 256)
    """

    def __init__(self, num_patches: int, initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.num_patches = check_positive_int("num_patches", num_patches)
        self.initializer = keras.initializers.get(
            initializer or keras.initializers.RandomNormal(stddev=0.02)
        )

    def build(self, input_shape):
        check_rank("PositionEmbedding", input_shape, 3, "(batch, patches, channels)")
        num_patches, channels = input_shape[1], input_shape[2]
        if num_patches is not None and num_patches != self.num_patches:
            raise InvalidValueError(
                f"PositionEmbedding was created for num_patches={self.num_patches} "
                f"but received inputs with {num_patches} patches "
                f"(input_shape={tuple(input_shape)}). Build it with the number of "
                "patches of the images it will see."
            )
        if channels is None:
            raise InvalidValueError(
                "PositionEmbedding needs a known channel dimension (axis 2). "
                f"Received: input_shape={tuple(input_shape)}."
            )
        self.input_spec = keras.InputSpec(
            ndim=3, axes={1: self.num_patches, 2: channels}
        )
        self.embedding = self.add_weight(
            name="embedding",
            shape=(self.num_patches, channels),
            initializer=self.initializer,
            trainable=True,
        )

    def call(self, inputs):
        return ops.add(inputs, self.embedding)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}
