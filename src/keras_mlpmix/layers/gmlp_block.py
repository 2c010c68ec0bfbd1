"""The gMLP block: a channel MLP with a spatial gating unit inside."""

from __future__ import annotations

import keras

from keras_mlpmix.errors import InvalidValueError
from keras_mlpmix.layers.argument_checks import check_epsilon, check_positive_int
from keras_mlpmix.layers.block import Block
from keras_mlpmix.layers.numeric_input import run_sublayer
from keras_mlpmix.layers.spatial_gating_unit import SpatialGatingUnit


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class gMLPBlock(Block):
    """One gMLP block (Liu et al., 2021, Fig. 1 and eq. 1).

    A pre-norm channel MLP gated by a `SpatialGatingUnit` `s`, which halves
    the width and ties the block to the number of patches `N`:

        Z = GELU(LayerNorm(X) U)         (U: d -> ffn_dim)
        Y = X + s(Z) V                   (V: ffn_dim/2 -> d)

    Args:
        ffn_dim: Width of the channel projection `U`; must be even.
        dropout_rate: Dropout inside the MLP.
        drop_path_rate: Stochastic-depth rate of the residual branch.
        layer_norm_epsilon: Epsilon of the block's input LayerNorm.
        gate_layer_norm_epsilon: Epsilon of the gating unit's LayerNorm (timm's).
        approximate_gelu: Use the tanh approximation of GELU.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import gMLPBlock
    >>> tokens = np.random.rand(2, 196, 256).astype("float32")
    >>> tuple(gMLPBlock(ffn_dim=1536)(tokens).shape)
    (2, 196, 256)
    """

    def __init__(
        self,
        ffn_dim: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        layer_norm_epsilon: float = 1e-6,
        gate_layer_norm_epsilon: float = 1e-5,
        approximate_gelu: bool = False,
        **kwargs,
    ):
        super().__init__(dropout_rate, drop_path_rate, approximate_gelu, **kwargs)
        self.ffn_dim = check_positive_int("ffn_dim", ffn_dim)
        if self.ffn_dim % 2:
            raise InvalidValueError(
                "`ffn_dim` must be even: the spatial gating unit splits it into "
                f"two halves. Received: ffn_dim={ffn_dim}."
            )
        self.layer_norm_epsilon = check_epsilon(
            "layer_norm_epsilon", layer_norm_epsilon
        )
        self.gate_layer_norm_epsilon = check_epsilon(
            "gate_layer_norm_epsilon", gate_layer_norm_epsilon
        )
        self.norm = self.make_layer_norm("norm")
        gate = SpatialGatingUnit(
            self.gate_layer_norm_epsilon, dtype=self.dtype_policy, name="gate"
        )
        self.mlp = self.make_mlp(self.ffn_dim, "mlp", gate=gate)

    def call(self, inputs, training=None):
        # Sublayers skip `Layer.__call__`: see `NumericInputLayer`.
        branch = run_sublayer(
            self.mlp, run_sublayer(self.norm, inputs), training=training
        )
        return inputs + run_sublayer(self.drop_path, branch, training=training)
