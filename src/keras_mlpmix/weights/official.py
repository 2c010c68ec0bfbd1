"""The parameter tree of the official MLP-Mixer checkpoints.

The `.npz` files released with the MLP-Mixer paper (google-research/
vision_transformer) flatten the Flax parameter tree with `/`:

    stem/kernel                              (P, P, 3, C)   a convolution, HWIO
    stem/bias                                (C,)
    MixerBlock_{i}/LayerNorm_0/scale, bias   (C,)           before token mixing
    MixerBlock_{i}/token_mixing/Dense_0/...  kernel (N, D_S), bias (D_S,)
    MixerBlock_{i}/token_mixing/Dense_1/...  kernel (D_S, N), bias (N,)
    MixerBlock_{i}/LayerNorm_1/scale, bias   (C,)           before channel mixing
    MixerBlock_{i}/channel_mixing/Dense_0/.. kernel (C, D_C), bias (D_C,)
    MixerBlock_{i}/channel_mixing/Dense_1/.. kernel (D_C, C), bias (C,)
    pre_head_layer_norm/scale, bias          (C,)
    head/kernel, head/bias                   (C, K), (K,)

Flax Dense kernels are `(in, out)` and convolutions `(H, W, in, out)`, which
are Keras's layouts. The Flax model uses tanh-approximate GELU.
"""

from __future__ import annotations

import numpy as np

from keras_mlpmix.layers import MixerBlock
from keras_mlpmix.weights.rules import (
    COLUMN,
    SAME,
    ConvKernel,
    Rule,
    dense_rules,
    layer_norm_rules,
)

NAME = "the official MLP-Mixer .npz layout"
FORMATS = ("npz",)
APPROXIMATE_GELU = True
HEAD = ("head/kernel", "head/bias")


def num_classes(tensors: dict[str, np.ndarray]) -> int | None:
    """The size of the checkpoint's head, or None if it has none."""
    kernel = tensors.get(HEAD[0])
    return None if kernel is None or kernel.ndim != 2 else int(kernel.shape[1])


def rules(backbone, head=None) -> list[Rule]:
    """The rules filling an MLP-Mixer `backbone` (and `head`, a Dense) from the tree.

    Raises:
        ValueError: if `backbone` is not an MLP-Mixer.
    """
    blocks = [backbone.get_layer(f"block_{i}") for i in range(backbone.num_blocks)]
    if not all(isinstance(block, MixerBlock) for block in blocks):
        raise ValueError(
            "The official .npz checkpoints hold MLP-Mixer weights; they do not fit "
            f"a {type(backbone).__name__}. Received a model with "
            f"{type(blocks[0]).__name__} blocks."
        )
    stem = backbone.get_layer("stem")
    found = [
        Rule("stem/kernel", stem.kernel, ConvKernel(backbone.patch_size, "HWIO")),
        Rule("stem/bias", stem.bias, SAME),
    ]
    for index, block in enumerate(blocks):
        prefix = f"MixerBlock_{index}/"
        found += layer_norm_rules(
            f"{prefix}LayerNorm_0/", block.token_norm, "scale", "bias"
        )
        for name, projection in (
            ("Dense_0", block.token_mlp.fc1),
            ("Dense_1", block.token_mlp.fc2),
        ):
            found += dense_rules(
                f"{prefix}token_mixing/{name}/",
                projection,
                "kernel",
                "bias",
                SAME,
                COLUMN,
            )
        found += layer_norm_rules(
            f"{prefix}LayerNorm_1/", block.channel_norm, "scale", "bias"
        )
        for name, projection in (
            ("Dense_0", block.channel_mlp.fc1),
            ("Dense_1", block.channel_mlp.fc2),
        ):
            found += dense_rules(
                f"{prefix}channel_mixing/{name}/", projection, "kernel", "bias", SAME
            )
    found += layer_norm_rules(
        "pre_head_layer_norm/", backbone.get_layer("norm"), "scale", "bias"
    )
    if head is not None:
        found += dense_rules("head/", head, "kernel", "bias", SAME, head=True)
    return found
