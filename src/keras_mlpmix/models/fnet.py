"""The FNet backbone, applied to image patches."""

from __future__ import annotations

import functools

import keras

from keras_mlpmix.layers import FNetBlock
from keras_mlpmix.models.backbone import Backbone


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class FNetBackbone(Backbone):
    """FNet on image patches: token features mixed by Fourier transforms.

    The encoder of Lee-Thorp et al., 2021 ("FNet: Mixing Tokens with Fourier
    Transforms"), a text model, applied to patch embeddings as in the
    keras-io all-MLP example: the `Backbone` skeleton with `FNetBlock` layers. The
    Fourier mixing has no weights, so only the position embedding (on by
    default, as in FNet) ties the backbone to its `image_size`. There is no
    official vision FNet; the presets `fnet_s16_224` and `fnet_b16_224` are
    this library's sizes.

    Args:
        image_size: Input height and width, an int or a pair; multiples of
            `patch_size`.
        patch_size: Patch height and width, an int or a pair.
        hidden_dim: Number of channels.
        num_blocks: Number of FNet blocks.
        ffn_dim: Hidden width of the feed-forward MLPs.
        dropout_rate: Dropout inside the MLPs.
        drop_path_rate: Stochastic-depth rate of the last block, growing
            linearly from 0 at the first.
        layer_norm_epsilon: Epsilon of every LayerNorm (FNet's 1e-12).
        use_position_embedding: Add a learned position embedding after the
            stem; Fourier mixing alone does not know where a patch lies.
        approximate_gelu: Use the tanh approximation of GELU.
        dtype: Dtype policy of every layer.
        **kwargs: Standard model arguments (`name`, `trainable`).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import FNetBackbone
    >>> backbone = FNetBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2, ffn_dim=32)
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
        ffn_dim: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        layer_norm_epsilon: float = 1e-12,
        use_position_embedding: bool = True,
        approximate_gelu: bool = False,
        dtype=None,
        **kwargs,
    ):
        super().__init__(
            functools.partial(FNetBlock, ffn_dim),
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
        self.ffn_dim = ffn_dim

    def get_config(self):
        config = super().get_config()
        config.update({"ffn_dim": self.ffn_dim})
        return config
