"""The base of the blocks: what MixerBlock, FNetBlock, gMLPBlock and ResMLPBlock share."""

from __future__ import annotations

import keras

from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_bool,
    check_known_dims,
    check_rank,
    check_rate,
)
from keras_mlpmix.layers.drop_path import DropPath
from keras_mlpmix.layers.mlp import MLP
from keras_mlpmix.layers.numeric_input import NumericInputLayer


class Block(NumericInputLayer):
    """A residual block mapping `(batch, patches, channels)` tokens to the same shape.

    It checks the arguments every block takes and keeps them as attributes, holds
    the block's `drop_path`, makes its norms and MLPs with its dtype policy and
    builds them from the input shape. Its config is its constructor's arguments,
    each kept as the attribute of the same name. `patch_tied` says whether the
    block's weights fix the number of patches.

    Example:

    >>> from keras_mlpmix.layers import FNetBlock
    >>> block = FNetBlock(ffn_dim=16, dropout_rate=0.1)
    >>> block.patch_tied, block.get_config()["dropout_rate"]
    (False, 0.1)
    """

    patch_tied = True

    def __init__(self, dropout_rate, drop_path_rate, approximate_gelu, **kwargs):
        super().__init__(**kwargs)
        self.dropout_rate = check_rate("dropout_rate", dropout_rate)
        self.drop_path_rate = check_rate("drop_path_rate", drop_path_rate)
        self.approximate_gelu = check_bool("approximate_gelu", approximate_gelu)
        self.drop_path = DropPath(
            self.drop_path_rate, dtype=self.dtype_policy, name="drop_path"
        )

    def make_layer_norm(self, name: str):
        """A LayerNormalization with the block's `layer_norm_epsilon` and dtype."""
        return keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, dtype=self.dtype_policy, name=name
        )

    def make_mlp(self, hidden_dim: int, name: str, **kwargs) -> MLP:
        """An `MLP` with the block's dropout, GELU form and dtype policy."""
        return MLP(
            hidden_dim,
            approximate_gelu=self.approximate_gelu,
            dropout_rate=self.dropout_rate,
            dtype=self.dtype_policy,
            name=name,
            **kwargs,
        )

    def build(self, input_shape):
        owner = type(self).__name__
        check_rank(owner, input_shape, 3, "(batch, patches, channels)")
        known = {1: "patch", 2: "channel"} if self.patch_tied else {2: "channel"}
        check_known_dims(owner, input_shape, known)
        # Later calls must match the sizes the weights were built for.
        self.input_spec = keras.InputSpec(
            ndim=3, axes={axis: input_shape[axis] for axis in known}
        )
        for layer in self._flatten_layers(include_self=False, recursive=False):
            if not layer.built:
                layer.build(input_shape)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}
