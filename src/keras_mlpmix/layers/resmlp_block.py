"""The ResMLP block: a linear map across patches, then a channel MLP, each scaled."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.errors import InvalidValueError
from keras_mlpmix.layers.argument_checks import check_float, check_positive_int
from keras_mlpmix.layers.block import Block
from keras_mlpmix.layers.numeric_input import NumericInputLayer, run_sublayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class Affine(NumericInputLayer):
    """A per-channel scale and shift, `alpha * x + beta`: ResMLP's normalisation.

    It replaces LayerNorm (Touvron et al., 2021, eq. 1) and takes no statistics;
    `alpha` starts at one and `beta` at zero, so a fresh layer is the identity.

    Args:
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import keras, numpy as np
    >>> from keras_mlpmix.layers import Affine
    >>> tokens = np.random.rand(2, 16, 8).astype("float32")
    >>> bool(np.allclose(keras.ops.convert_to_numpy(Affine()(tokens)), tokens))
    True
    """

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise InvalidValueError(
                "Affine needs a known channel dimension (the last axis). "
                f"Received: input_shape={tuple(input_shape)}."
            )
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: channels})
        self.alpha = self.add_weight(
            name="alpha", shape=(channels,), initializer="ones"
        )
        self.beta = self.add_weight(name="beta", shape=(channels,), initializer="zeros")

    def call(self, inputs):
        return inputs * self.alpha + self.beta


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class ResMLPBlock(Block):
    """One ResMLP block (Touvron et al., 2021, eq. 1-2).

        Z = X + diag(ls1) (A Affine1(X) + b)       (A: N x N across patches)
        Y = Z + diag(ls2) MLP(Affine2(Z))          (hidden width 4 C)

    `A` is stored `(output patch, input patch)` and ties the block to `N`.

    Args:
        channels_mlp_dim: Hidden width of the channel MLP; 4 x channels if None.
        layer_scale_init: Initial value of both LayerScales (timm: 1e-4 for
            ResMLP-12, 1e-5 for ResMLP-24, 1e-6 for ResMLP-36 and -B24).
        dropout_rate: Dropout inside the channel MLP.
        drop_path_rate: Stochastic-depth rate of both residual branches.
        approximate_gelu: Use the tanh approximation of GELU.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import ResMLPBlock
    >>> tokens = np.random.rand(2, 196, 384).astype("float32")
    >>> tuple(ResMLPBlock(layer_scale_init=1e-4)(tokens).shape)
    (2, 196, 384)
    """

    def __init__(
        self,
        channels_mlp_dim: int | None = None,
        layer_scale_init: float = 1e-4,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        approximate_gelu: bool = False,
        **kwargs,
    ):
        super().__init__(dropout_rate, drop_path_rate, approximate_gelu, **kwargs)
        self.channels_mlp_dim = (
            None
            if channels_mlp_dim is None
            else check_positive_int("channels_mlp_dim", channels_mlp_dim)
        )
        self.layer_scale_init = check_float("layer_scale_init", layer_scale_init)
        self.token_norm = Affine(dtype=self.dtype_policy, name="token_norm")
        self.channel_norm = Affine(dtype=self.dtype_policy, name="channel_norm")

    def build(self, input_shape):
        super().build(input_shape)  # the Affines
        num_patches, channels = input_shape[1], input_shape[2]
        self.token_kernel = self.add_weight(
            name="token_kernel",
            shape=(num_patches, num_patches),
            initializer="glorot_uniform",
        )
        self.token_bias = self.add_weight(
            name="token_bias", shape=(num_patches, 1), initializer="zeros"
        )
        self.mlp = self.make_mlp(self.channels_mlp_dim or 4 * channels, "mlp")
        self.mlp.build(input_shape)
        scale = keras.initializers.Constant(self.layer_scale_init)
        self.token_scale = self.add_weight(
            name="token_scale", shape=(channels,), initializer=scale
        )
        self.channel_scale = self.add_weight(
            name="channel_scale", shape=(channels,), initializer=scale
        )

    def call(self, inputs, training=None):
        # The bias first, so that Keras's TensorFlow `add` keeps it on the patch axis
        # (`AxisDense`). Sublayers skip `Layer.__call__`: see `NumericInputLayer`.
        tokens = ops.add(
            self.token_bias,
            ops.matmul(self.token_kernel, run_sublayer(self.token_norm, inputs)),
        )
        x = inputs + run_sublayer(
            self.drop_path, self.token_scale * tokens, training=training
        )
        channels = run_sublayer(
            self.mlp, run_sublayer(self.channel_norm, x), training=training
        )
        return x + run_sublayer(
            self.drop_path, self.channel_scale * channels, training=training
        )
