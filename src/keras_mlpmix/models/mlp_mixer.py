"""MLP-Mixer: its backbone, and everything the shared machinery asks of the family."""

from __future__ import annotations

import functools
import types

import keras

from keras_mlpmix.layers import MixerBlock
from keras_mlpmix.layers.argument_checks import check_epsilon
from keras_mlpmix.models.backbone import Backbone, MatmulShape
from keras_mlpmix.weights.layouts import COLUMN

_TOKEN_MLP = r"(?:.*/)?token_mlp"
_CHANNEL_MLP = r"(?:.*/)?channel_mlp"


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class MLPMixerBackbone(Backbone):
    """MLP-Mixer: images to token features with token- and channel-mixing MLPs.

    Tolstikhin et al., 2021, without the head: `Backbone` with `MixerBlock`s and
    a final LayerNorm. The token-mixing MLPs tie it to its `image_size`. The
    paper's sizes are presets (`mixer_s32_224` ... `mixer_h14_224`); the
    official `.npz` and timm's checkpoints load into them.

    Args:
        hidden_dim: Number of channels `C`.
        num_blocks: Number of Mixer blocks.
        tokens_mlp_dim: Hidden width `D_S` of the token-mixing MLPs.
        channels_mlp_dim: Hidden width `D_C` of the channel-mixing MLPs.
        layer_norm_epsilon: Epsilon of every LayerNorm (1e-6, official and timm's).
        **kwargs: `Backbone`'s other arguments: `image_size` (224), `patch_size`
            (16), `dropout_rate`, `drop_path_rate`, `use_position_embedding`,
            `approximate_gelu` (the official Flax checkpoints' tanh GELU, not
            timm's exact one), `dtype`, `name` and `trainable`.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import MLPMixerBackbone
    >>> backbone = MLPMixerBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2,
    ...     tokens_mlp_dim=8, channels_mlp_dim=32)
    >>> tuple(backbone(np.zeros((1, 32, 32, 3), "float32")).shape)
    (1, 16, 16)
    """

    checkpoint_layouts = ("official", "timm")
    uses_fusion_barrier = True
    # As MLP_SHARDING for both MLPs; the token MLP's fc1 bias is (D_S, 1).
    sharding = types.MappingProxyType(
        {
            rf"{_TOKEN_MLP}/fc1/kernel": (None, "model"),
            rf"{_TOKEN_MLP}/fc1/bias": ("model", None),
            rf"{_TOKEN_MLP}/fc2/kernel": ("model", None),
            rf"{_CHANNEL_MLP}/fc1/kernel": (None, "model"),
            rf"{_CHANNEL_MLP}/fc1/bias": ("model",),
            rf"{_CHANNEL_MLP}/fc2/kernel": ("model", None),
        }
    )
    recipe_learning_rate = 0.005  # The keras-io example's rate for its MLP-Mixer.

    def __init__(
        self,
        *,
        tokens_mlp_dim: int,
        channels_mlp_dim: int,
        layer_norm_epsilon: float = 1e-6,
        **kwargs,
    ):
        layer_norm_epsilon = check_epsilon("layer_norm_epsilon", layer_norm_epsilon)
        super().__init__(
            functools.partial(
                MixerBlock,
                tokens_mlp_dim,
                channels_mlp_dim,
                layer_norm_epsilon=layer_norm_epsilon,
            ),
            functools.partial(
                keras.layers.LayerNormalization, epsilon=layer_norm_epsilon
            ),
            **kwargs,
        )
        self.tokens_mlp_dim = tokens_mlp_dim
        self.channels_mlp_dim = channels_mlp_dim
        self.layer_norm_epsilon = layer_norm_epsilon

    def block_checkpoint_rules(self, layout, index, block):
        token_fc1, token_fc2 = block.token_mlp.fc1, block.token_mlp.fc2
        channel_fc1, channel_fc2 = block.channel_mlp.fc1, block.channel_mlp.fc2
        if layout.name == "official":
            prefix = f"MixerBlock_{index}"
            token_mixing, channel_mixing = "token_mixing", "channel_mixing"
            names = ("LayerNorm_0", "Dense_0", "Dense_1", "LayerNorm_1")
        else:
            prefix = f"blocks.{index}"
            token_mixing, channel_mixing = "mlp_tokens", "mlp_channels"
            names = ("norm1", "fc1", "fc2", "norm2")
        key = layout.key
        return [
            *layout.norm(key(prefix, names[0]), block.token_norm),
            *layout.dense(
                key(prefix, token_mixing, names[1]),
                token_fc1,
                COLUMN,
                patch_axes=self.token_axes("in", bias_tokens=False),
            ),
            *layout.dense(
                key(prefix, token_mixing, names[2]),
                token_fc2,
                COLUMN,
                patch_axes=self.token_axes("out", bias_tokens=True),
            ),
            *layout.norm(key(prefix, names[3]), block.channel_norm),
            *layout.dense(key(prefix, channel_mixing, names[1]), channel_fc1),
            *layout.dense(key(prefix, channel_mixing, names[2]), channel_fc2),
        ]

    def timm_architecture(self) -> dict:
        """`timm.models.mlp_mixer.MlpMixer`'s arguments for this architecture."""
        return {
            "block_layer": ("MixerBlock", {}),
            "mlp_ratio": (
                self.tokens_mlp_dim / self.hidden_dim,
                self.channels_mlp_dim / self.hidden_dim,
            ),
        }

    def block_matmul_shapes(self, batch_size):
        columns = batch_size * self.hidden_dim
        tokens = batch_size * self.num_patches
        patches, channels = self.num_patches, self.hidden_dim
        return [
            MatmulShape("token_mlp.fc1", columns, patches, self.tokens_mlp_dim),
            MatmulShape("token_mlp.fc2", columns, self.tokens_mlp_dim, patches),
            MatmulShape("channel_mlp.fc1", tokens, channels, self.channels_mlp_dim),
            MatmulShape("channel_mlp.fc2", tokens, self.channels_mlp_dim, channels),
        ]
