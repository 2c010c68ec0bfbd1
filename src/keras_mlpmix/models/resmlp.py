"""ResMLP: its backbone, and everything the shared machinery asks of the family."""

from __future__ import annotations

import functools

import keras

from keras_mlpmix.layers import Affine, ResMLPBlock
from keras_mlpmix.layers.argument_checks import check_float, check_positive_int
from keras_mlpmix.models.backbone import MLP_SHARDING, Backbone, MatmulShape
from keras_mlpmix.weights.layouts import BROADCASTABLE, COLUMN, SAME, Rule


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class ResMLPBackbone(Backbone):
    """ResMLP: images to token features with linear token mixing and LayerScale.

    Touvron et al., 2021, without the head: `Backbone` with `ResMLPBlock`s and
    a final `Affine` in place of LayerNorm. The linear maps across patches tie
    it to its `image_size`. timm's sizes are presets (`resmlp_12_224` ...
    `resmlp_big_24_224`) and its checkpoints load into them.

    Args:
        hidden_dim: Number of channels `C`.
        num_blocks: Number of ResMLP blocks.
        channels_mlp_dim: Hidden width of the channel MLPs; `4 * hidden_dim`
            (the paper's) when None.
        layer_scale_init: Initial value of every LayerScale (timm: 1e-4 at
            depth 12, 1e-5 at 24, 1e-6 at 36 and for ResMLP-B24).
        **kwargs: `Backbone`'s other arguments: `image_size` (224), `patch_size`
            (16), `dropout_rate`, `drop_path_rate`, `use_position_embedding`,
            `approximate_gelu`, `dtype`, `name` and `trainable`.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import ResMLPBackbone
    >>> backbone = ResMLPBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2)
    >>> tuple(backbone(np.zeros((1, 32, 32, 3), "float32")).shape)
    (1, 16, 16)
    """

    checkpoint_layouts = ("timm",)
    sharding = MLP_SHARDING  # The (N, N) token projection stays replicated.
    recipe_learning_rate = 0.003  # The keras-io example has no ResMLP: its gMLP's.

    def __init__(
        self,
        *,
        channels_mlp_dim: int | None = None,
        layer_scale_init: float = 1e-4,
        **kwargs,
    ):
        if channels_mlp_dim is not None:
            channels_mlp_dim = check_positive_int("channels_mlp_dim", channels_mlp_dim)
        layer_scale_init = check_float("layer_scale_init", layer_scale_init)
        super().__init__(
            functools.partial(
                ResMLPBlock,
                channels_mlp_dim,
                layer_scale_init=layer_scale_init,
            ),
            Affine,
            **kwargs,
        )
        self.channels_mlp_dim = channels_mlp_dim
        self.layer_scale_init = layer_scale_init

    def block_checkpoint_rules(self, layout, index, block):
        key = layout.key
        prefix = key("blocks", index)
        kernel_axes, bias_axes = self.token_axes("both", bias_tokens=True)
        tokens = key(prefix, "linear_tokens")
        return [
            *self.norm_checkpoint_rules(layout, block.token_norm, key(prefix, "norm1")),
            # timm's Linear weight is (output patch, input patch), as ours.
            Rule(
                key(tokens, layout.kernel), block.token_kernel, SAME, False, kernel_axes
            ),
            Rule(key(tokens, "bias"), block.token_bias, COLUMN, False, bias_axes),
            Rule(key(prefix, "ls1"), block.token_scale),
            *self.norm_checkpoint_rules(
                layout, block.channel_norm, key(prefix, "norm2")
            ),
            *layout.dense(key(prefix, "mlp_channels", "fc1"), block.mlp.fc1),
            *layout.dense(key(prefix, "mlp_channels", "fc2"), block.mlp.fc2),
            Rule(key(prefix, "ls2"), block.channel_scale),
        ]

    def norm_checkpoint_rules(self, layout, norm, name=None):
        """An `Affine`'s rules: timm stores `alpha` and `beta` as `(1, 1, C)`."""
        name = name or layout.norm_name
        return [
            Rule(layout.key(name, "alpha"), norm.alpha, BROADCASTABLE),
            Rule(layout.key(name, "beta"), norm.beta, BROADCASTABLE),
        ]

    def timm_architecture(self) -> dict:
        """`timm.models.mlp_mixer.MlpMixer`'s arguments for this architecture."""
        hidden = self.channels_mlp_dim or 4 * self.hidden_dim
        return {
            "block_layer": ("ResBlock", {"init_values": self.layer_scale_init}),
            "norm_layer": ("Affine", {}),
            "mlp_ratio": hidden / self.hidden_dim,
        }

    def block_matmul_shapes(self, batch_size):
        tokens = batch_size * self.num_patches
        hidden = self.channels_mlp_dim or 4 * self.hidden_dim
        return [
            MatmulShape(
                "linear_tokens",
                batch_size * self.hidden_dim,
                self.num_patches,
                self.num_patches,
            ),
            MatmulShape("mlp.fc1", tokens, self.hidden_dim, hidden),
            MatmulShape("mlp.fc2", tokens, hidden, self.hidden_dim),
        ]
