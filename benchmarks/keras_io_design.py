"""A straightforward Keras model with the keras-io all-MLP example's design.

This is a reference point for the benchmarks, not part of the library: the
MLP-Mixer of the keras-io example "Image classification with modern MLP
models", built the direct way its design suggests. Patches come from
`keras.ops.image.extract_patches`; token mixing transposes the tokens,
applies `Dense` layers and transposes back; one LayerNorm is shared by the
token and channel halves of a block; the channel MLP's hidden width is the
number of patches; dropout follows each MLP. With 100 classes it has the
example's 242,788 trainable weights.
"""

from __future__ import annotations

import keras
from keras import ops


class KerasIoMixerBlock(keras.layers.Layer):
    """One Mixer block the way the keras-io example lays it out."""

    def __init__(self, num_patches: int, hidden_dim: int, dropout_rate: float, **kw):
        super().__init__(**kw)

        def mlp(hidden, output):
            return keras.Sequential(
                [
                    keras.layers.Dense(hidden, activation="gelu"),
                    keras.layers.Dense(output),
                    keras.layers.Dropout(dropout_rate),
                ]
            )

        self.norm = keras.layers.LayerNormalization(epsilon=1e-6)
        self.token_mlp = mlp(num_patches, num_patches)
        self.channel_mlp = mlp(num_patches, hidden_dim)

    def call(self, inputs, training=None):
        tokens = ops.transpose(self.norm(inputs), (0, 2, 1))
        mixed = self.token_mlp(tokens, training=training)
        x = inputs + ops.transpose(mixed, (0, 2, 1))
        return x + self.channel_mlp(self.norm(x), training=training)


def keras_io_mixer(
    image_size: int = 64,
    patch_size: int = 8,
    hidden_dim: int = 256,
    num_blocks: int = 4,
    dropout_rate: float = 0.2,
    num_classes: int = 100,
) -> keras.Model:
    """The keras-io example's MLP-Mixer classifier on `image_size` inputs."""
    grid = image_size // patch_size
    num_patches = grid * grid
    images = keras.Input((image_size, image_size, 3))
    patches = ops.image.extract_patches(images, patch_size)
    x = keras.layers.Reshape((num_patches, patch_size * patch_size * 3))(patches)
    x = keras.layers.Dense(hidden_dim)(x)
    for _ in range(num_blocks):
        x = KerasIoMixerBlock(num_patches, hidden_dim, dropout_rate)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = keras.layers.Dropout(dropout_rate)(x)
    return keras.Model(images, keras.layers.Dense(num_classes)(x))
