"""The FNet encoder block: Fourier mixing, then a feed-forward MLP."""

from __future__ import annotations

import keras

from keras_mlpmix.layers.argument_checks import check_epsilon, check_positive_int
from keras_mlpmix.layers.block import Block
from keras_mlpmix.layers.fourier_mixing import FourierMixing
from keras_mlpmix.layers.numeric_input import run_sublayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class FNetBlock(Block):
    """One post-norm FNet encoder block (Lee-Thorp et al., 2021, Fig. 1).

        U = LayerNorm(X + Re(FFT_2D(X)))
        Y = LayerNorm(U + MLP(U))

    It has no weights tied to the number of patches, so it runs on any image size.

    Args:
        ffn_dim: Hidden width of the feed-forward MLP.
        dropout_rate: Dropout inside the MLP.
        drop_path_rate: Stochastic-depth rate of both residual branches.
        layer_norm_epsilon: Epsilon of both LayerNorms (FNet's 1e-12).
        approximate_gelu: Use the tanh approximation of GELU.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import FNetBlock
    >>> tokens = np.random.rand(2, 64, 256).astype("float32")
    >>> tuple(FNetBlock(ffn_dim=512)(tokens).shape)
    (2, 64, 256)
    """

    patch_tied = False

    def __init__(
        self,
        ffn_dim: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        layer_norm_epsilon: float = 1e-12,
        approximate_gelu: bool = False,
        **kwargs,
    ):
        super().__init__(dropout_rate, drop_path_rate, approximate_gelu, **kwargs)
        self.ffn_dim = check_positive_int("ffn_dim", ffn_dim)
        self.layer_norm_epsilon = check_epsilon(
            "layer_norm_epsilon", layer_norm_epsilon
        )
        self.fourier = FourierMixing(dtype=self.dtype_policy, name="fourier")
        self.fourier_norm = self.make_layer_norm("fourier_norm")
        self.mlp = self.make_mlp(self.ffn_dim, "mlp")
        self.mlp_norm = self.make_layer_norm("mlp_norm")

    def call(self, inputs, training=None):
        # Sublayers skip `Layer.__call__`: see `NumericInputLayer`.
        mixed = run_sublayer(
            self.drop_path, run_sublayer(self.fourier, inputs), training=training
        )
        x = run_sublayer(self.fourier_norm, inputs + mixed)
        hidden = run_sublayer(self.mlp, x, training=training)
        return run_sublayer(
            self.mlp_norm, x + run_sublayer(self.drop_path, hidden, training=training)
        )
