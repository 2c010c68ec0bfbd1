"""The MLP-Mixer backbone."""

from __future__ import annotations

import functools

import keras

from keras_mlpmix.layers import MixerBlock
from keras_mlpmix.models.backbone import Backbone


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class MLPMixerBackbone(Backbone):
    """MLP-Mixer: images to token features with token- and channel-mixing MLPs.

    The model of Tolstikhin et al., 2021 ("MLP-Mixer: An all-MLP Architecture
    for Vision"), without its head: the `Backbone` skeleton with
    `MixerBlock` layers. The token-mixing MLPs are tied to the number of patches,
    so the backbone is tied to its `image_size`. The paper's sizes are
    presets (`mixer_s32_224` ... `mixer_h14_224`, see `list_presets()`).

    Args:
        image_size: Input height and width, an int or a pair; multiples of
            `patch_size`.
        patch_size: Patch height and width, an int or a pair.
        hidden_dim: Number of channels `C`.
        num_blocks: Number of Mixer blocks.
        tokens_mlp_dim: Hidden width `D_S` of the token-mixing MLPs.
        channels_mlp_dim: Hidden width `D_C` of the channel-mixing MLPs.
        dropout_rate: Dropout inside the MLPs.
        drop_path_rate: Stochastic-depth rate of the last block, growing
            linearly from 0 at the first.
        layer_norm_epsilon: Epsilon of every LayerNorm (1e-6, as in the
            official code and timm).
        use_position_embedding: Add a learned position embedding after the
            stem. Mixer needs none, its token mixing sees positions.
        approximate_gelu: Use the tanh approximation of GELU, as the official
            Flax checkpoints do, instead of the exact form (timm's).
        dtype: Dtype policy of every layer.
        **kwargs: Standard model arguments (`name`, `trainable`).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import MLPMixerBackbone
    >>> backbone = MLPMixerBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2,
    ...     tokens_mlp_dim=8, channels_mlp_dim=32)
    >>> tuple(backbone(np.zeros((1, 32, 32, 3), "float32")).shape)
    (1, 16, 16)
    """

    def __init__(
        self,
        *,
        image_size=224,
        patch_size=16,
        hidden_dim: int,
        num_blocks: int,
        tokens_mlp_dim: int,
        channels_mlp_dim: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        layer_norm_epsilon: float = 1e-6,
        use_position_embedding: bool = False,
        approximate_gelu: bool = False,
        dtype=None,
        **kwargs,
    ):
        super().__init__(
            functools.partial(MixerBlock, tokens_mlp_dim, channels_mlp_dim),
            image_size=image_size,
            patch_size=patch_size,
            hidden_dim=hidden_dim,
            num_blocks=num_blocks,
            dropout_rate=dropout_rate,
            drop_path_rate=drop_path_rate,
            layer_norm_epsilon=layer_norm_epsilon,
            use_position_embedding=use_position_embedding,
            approximate_gelu=approximate_gelu,
            dtype=dtype,
            **kwargs,
        )
        self.tokens_mlp_dim = tokens_mlp_dim
        self.channels_mlp_dim = channels_mlp_dim

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "tokens_mlp_dim": self.tokens_mlp_dim,
                "channels_mlp_dim": self.channels_mlp_dim,
            }
        )
        return config
