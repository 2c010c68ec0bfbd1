"""FNet on image patches: its backbone, and what the shared machinery asks of it."""

from __future__ import annotations

import functools

import keras

from keras_mlpmix.layers import FNetBlock
from keras_mlpmix.layers.argument_checks import check_epsilon
from keras_mlpmix.models.backbone import MLP_SHARDING, Backbone, MatmulShape


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class FNetBackbone(Backbone):
    """FNet on image patches: token features mixed by Fourier transforms.

    The text encoder of Lee-Thorp et al., 2021, applied to patch embeddings as
    in the keras-io all-MLP example: `Backbone` with `FNetBlock`s and a final
    LayerNorm. Fourier mixing has no weights, so only the position embedding
    (on by default) ties it to its `image_size`. There is no published vision
    checkpoint; the presets `fnet_s16_224` and `fnet_b16_224` are this
    library's sizes.

    Args:
        hidden_dim: Number of channels.
        num_blocks: Number of FNet blocks.
        ffn_dim: Hidden width of the feed-forward MLPs.
        layer_norm_epsilon: Epsilon of every LayerNorm (FNet's 1e-12).
        use_position_embedding: Add a learned position embedding after the stem;
            Fourier mixing alone does not know where a patch lies.
        **kwargs: `Backbone`'s other arguments: `image_size` (224), `patch_size`
            (16), `dropout_rate`, `drop_path_rate`, `approximate_gelu`, `dtype`,
            `name` and `trainable`.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import FNetBackbone
    >>> backbone = FNetBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2, ffn_dim=32)
    >>> tuple(backbone(np.zeros((1, 32, 32, 3), "float32")).shape)
    (1, 16, 16)
    """

    sharding = MLP_SHARDING
    recipe_learning_rate = 0.001  # The keras-io example's rate for its FNet.

    def __init__(
        self,
        *,
        ffn_dim: int,
        layer_norm_epsilon: float = 1e-12,
        use_position_embedding: bool = True,
        **kwargs,
    ):
        layer_norm_epsilon = check_epsilon("layer_norm_epsilon", layer_norm_epsilon)
        super().__init__(
            functools.partial(
                FNetBlock, ffn_dim, layer_norm_epsilon=layer_norm_epsilon
            ),
            functools.partial(
                keras.layers.LayerNormalization, epsilon=layer_norm_epsilon
            ),
            use_position_embedding=use_position_embedding,
            **kwargs,
        )
        self.ffn_dim = ffn_dim
        self.layer_norm_epsilon = layer_norm_epsilon

    def block_matmul_shapes(self, batch_size):
        tokens = batch_size * self.num_patches
        return [
            MatmulShape("mlp.fc1", tokens, self.hidden_dim, self.ffn_dim),
            MatmulShape("mlp.fc2", tokens, self.ffn_dim, self.hidden_dim),
        ]
