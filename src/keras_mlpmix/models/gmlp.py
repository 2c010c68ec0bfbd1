"""gMLP: its backbone, and everything the shared machinery asks of the family."""

from __future__ import annotations

import functools

import keras

from keras_mlpmix.layers import gMLPBlock
from keras_mlpmix.layers.argument_checks import check_epsilon
from keras_mlpmix.models.backbone import MLP_SHARDING, Backbone, MatmulShape
from keras_mlpmix.weights.layouts import COLUMN, SAME, Rule


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class gMLPBackbone(Backbone):
    """gMLP: images to token features with spatially gated MLPs.

    Liu et al., 2021 ("Pay Attention to MLPs"), without the head: `Backbone`
    with `gMLPBlock`s and a final LayerNorm. The spatial gating units tie it to
    its `image_size`. The paper's sizes are presets (`gmlp_ti16_224`,
    `gmlp_s16_224`, `gmlp_b16_224`); timm's checkpoints load into them.

    Args:
        hidden_dim: Number of channels `d_model`.
        num_blocks: Number of gMLP blocks.
        ffn_dim: Width `d_ffn` of the channel projection in each block; even.
        layer_norm_epsilon: Epsilon of the blocks' and the final LayerNorms (1e-6,
            as in timm).
        gate_layer_norm_epsilon: Epsilon of the spatial gating units' LayerNorms
            (1e-5, as in timm).
        **kwargs: `Backbone`'s other arguments: `image_size` (224), `patch_size`
            (16), `dropout_rate`, `drop_path_rate`, `use_position_embedding`,
            `approximate_gelu`, `dtype`, `name` and `trainable`.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import gMLPBackbone
    >>> backbone = gMLPBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2, ffn_dim=32)
    >>> tuple(backbone(np.zeros((1, 32, 32, 3), "float32")).shape)
    (1, 16, 16)
    """

    checkpoint_layouts = ("timm",)
    uses_fusion_barrier = True
    sharding = MLP_SHARDING  # The (N, N) spatial projection stays replicated.
    recipe_learning_rate = 0.003  # The keras-io example's rate for its gMLP.

    def __init__(
        self,
        *,
        ffn_dim: int,
        layer_norm_epsilon: float = 1e-6,
        gate_layer_norm_epsilon: float = 1e-5,
        **kwargs,
    ):
        layer_norm_epsilon = check_epsilon("layer_norm_epsilon", layer_norm_epsilon)
        gate_layer_norm_epsilon = check_epsilon(
            "gate_layer_norm_epsilon", gate_layer_norm_epsilon
        )
        super().__init__(
            functools.partial(
                gMLPBlock,
                ffn_dim,
                layer_norm_epsilon=layer_norm_epsilon,
                gate_layer_norm_epsilon=gate_layer_norm_epsilon,
            ),
            functools.partial(
                keras.layers.LayerNormalization, epsilon=layer_norm_epsilon
            ),
            **kwargs,
        )
        self.ffn_dim = ffn_dim
        self.layer_norm_epsilon = layer_norm_epsilon
        self.gate_layer_norm_epsilon = gate_layer_norm_epsilon

    def block_checkpoint_rules(self, layout, index, block):
        key = layout.key
        mlp, gate = block.mlp, block.mlp.gate
        channels = key("blocks", index, "mlp_channels")
        projection = key(channels, "gate", "proj")
        kernel_axes, bias_axes = self.token_axes("both", bias_tokens=True)
        return [
            *layout.norm(key("blocks", index, "norm"), block.norm),
            *layout.dense(key(channels, "fc1"), mlp.fc1),
            *layout.norm(key(channels, "gate", "norm"), gate.norm),
            # timm's gate projection is (output patch, input patch), as ours.
            Rule(key(projection, layout.kernel), gate.kernel, SAME, False, kernel_axes),
            Rule(key(projection, "bias"), gate.bias, COLUMN, False, bias_axes),
            *layout.dense(key(channels, "fc2"), mlp.fc2),
        ]

    def timm_architecture(self) -> dict:
        """`timm.models.mlp_mixer.MlpMixer`'s arguments for this architecture."""
        return {
            "block_layer": ("SpatialGatingBlock", {}),
            "mlp_layer": ("GatedMlp", {}),
            "mlp_ratio": self.ffn_dim / self.hidden_dim,
        }

    def block_matmul_shapes(self, batch_size):
        tokens = batch_size * self.num_patches
        half = self.ffn_dim // 2
        return [
            MatmulShape("mlp.fc1", tokens, self.hidden_dim, self.ffn_dim),
            MatmulShape(
                "gate.spatial_proj",
                batch_size * half,
                self.num_patches,
                self.num_patches,
            ),
            MatmulShape("mlp.fc2", tokens, half, self.hidden_dim),
        ]
