"""The MLP-Mixer block: token mixing, then channel mixing."""

from __future__ import annotations

import keras

from keras_mlpmix.layers.argument_checks import check_epsilon, check_positive_int
from keras_mlpmix.layers.block import Block
from keras_mlpmix.layers.numeric_input import run_sublayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class MixerBlock(Block):
    """One MLP-Mixer block (Tolstikhin et al., 2021, eq. 1).

        U = X + MLP_tokens(LayerNorm(X))      (mixing along the patch axis)
        Y = U + MLP_channels(LayerNorm(U))    (mixing along the channel axis)

    The token MLP ties the block to the number of patches `N`.

    Args:
        tokens_mlp_dim: Hidden width `D_S` of the token-mixing MLP.
        channels_mlp_dim: Hidden width `D_C` of the channel-mixing MLP.
        dropout_rate: Dropout inside both MLPs.
        drop_path_rate: Stochastic-depth rate of both residual branches.
        layer_norm_epsilon: Epsilon of both LayerNorms (official code and timm).
        approximate_gelu: Tanh GELU (official Flax checkpoints), not exact (timm).
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import MixerBlock
    >>> tokens = np.random.rand(2, 196, 768).astype("float32")
    >>> tuple(MixerBlock(tokens_mlp_dim=384, channels_mlp_dim=3072)(tokens).shape)
    (2, 196, 768)
    """

    def __init__(
        self,
        tokens_mlp_dim: int,
        channels_mlp_dim: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        layer_norm_epsilon: float = 1e-6,
        approximate_gelu: bool = False,
        **kwargs,
    ):
        super().__init__(dropout_rate, drop_path_rate, approximate_gelu, **kwargs)
        self.tokens_mlp_dim = check_positive_int("tokens_mlp_dim", tokens_mlp_dim)
        self.channels_mlp_dim = check_positive_int("channels_mlp_dim", channels_mlp_dim)
        self.layer_norm_epsilon = check_epsilon(
            "layer_norm_epsilon", layer_norm_epsilon
        )
        self.token_norm = self.make_layer_norm("token_norm")
        self.token_mlp = self.make_mlp(self.tokens_mlp_dim, "token_mlp", axis=1)
        self.channel_norm = self.make_layer_norm("channel_norm")
        self.channel_mlp = self.make_mlp(self.channels_mlp_dim, "channel_mlp")

    def call(self, inputs, training=None):
        # Sublayers skip `Layer.__call__`: see `NumericInputLayer`.
        tokens = run_sublayer(
            self.token_mlp, run_sublayer(self.token_norm, inputs), training=training
        )
        x = inputs + run_sublayer(self.drop_path, tokens, training=training)
        channels = run_sublayer(
            self.channel_mlp, run_sublayer(self.channel_norm, x), training=training
        )
        return x + run_sublayer(self.drop_path, channels, training=training)
