"""The state dict of timm's MLP-Mixer and gMLP models.

timm (`timm/models/mlp_mixer.py`) names the weights of `mixer_*` models

    stem.proj.weight, stem.proj.bias            (C, 3, P, P), (C,)   a convolution, OIHW
    blocks.{i}.norm1.weight, .bias              (C,)                 before token mixing
    blocks.{i}.mlp_tokens.fc1.weight, .bias     (D_S, N), (D_S,)
    blocks.{i}.mlp_tokens.fc2.weight, .bias     (N, D_S), (N,)
    blocks.{i}.norm2.weight, .bias              (C,)                 before channel mixing
    blocks.{i}.mlp_channels.fc1.weight, .bias   (D_C, C), (D_C,)
    blocks.{i}.mlp_channels.fc2.weight, .bias   (C, D_C), (C,)
    norm.weight, norm.bias                      (C,)
    head.weight, head.bias                      (K, C), (K,)

and of `gmlp_*` models the same stem, norm and head with blocks

    blocks.{i}.norm.weight, .bias                     (C,)
    blocks.{i}.mlp_channels.fc1.weight, .bias         (F, C), (F,)
    blocks.{i}.mlp_channels.gate.norm.weight, .bias   (F/2,)   the gating unit's norm
    blocks.{i}.mlp_channels.gate.proj.weight, .bias   (N, N), (N,)  across patches
    blocks.{i}.mlp_channels.fc2.weight, .bias         (C, F/2), (C,)

PyTorch `Linear` weights are `(out, in)` and convolutions `(out, in, H, W)`:
both are rearranged to Keras's `(in, out)` and `(H, W, in, out)`. timm
uses exact GELU.
"""

from __future__ import annotations

import numpy as np

from keras_mlpmix.layers import MixerBlock, gMLPBlock
from keras_mlpmix.weights.rules import (
    COLUMN,
    SAME,
    TRANSPOSED,
    ConvKernel,
    Rule,
    dense_rules,
    layer_norm_rules,
)

NAME = "timm's state dict layout"
FORMATS = ("safetensors", "torch")
APPROXIMATE_GELU = False
HEAD = ("head.weight", "head.bias")


def num_classes(tensors: dict[str, np.ndarray]) -> int | None:
    """The size of the checkpoint's head, or None if it has none."""
    weight = tensors.get(HEAD[0])
    return None if weight is None or weight.ndim != 2 else int(weight.shape[0])


def _linear(prefix, layer, bias_layout=SAME, head=False):
    return dense_rules(prefix, layer, "weight", "bias", TRANSPOSED, bias_layout, head)


def _norm(prefix, layer):
    return layer_norm_rules(prefix, layer, "weight", "bias")


def _mixer_block(prefix, block):
    return [
        *_norm(f"{prefix}norm1.", block.token_norm),
        *_linear(f"{prefix}mlp_tokens.fc1.", block.token_mlp.fc1, COLUMN),
        *_linear(f"{prefix}mlp_tokens.fc2.", block.token_mlp.fc2, COLUMN),
        *_norm(f"{prefix}norm2.", block.channel_norm),
        *_linear(f"{prefix}mlp_channels.fc1.", block.channel_mlp.fc1),
        *_linear(f"{prefix}mlp_channels.fc2.", block.channel_mlp.fc2),
    ]


def _gmlp_block(prefix, block):
    gate = block.mlp.gate
    return [
        *_norm(f"{prefix}norm.", block.norm),
        *_linear(f"{prefix}mlp_channels.fc1.", block.mlp.fc1),
        *_norm(f"{prefix}mlp_channels.gate.norm.", gate.norm),
        *_linear(f"{prefix}mlp_channels.gate.proj.", gate.spatial_proj, COLUMN),
        *_linear(f"{prefix}mlp_channels.fc2.", block.mlp.fc2),
    ]


_BLOCK_RULES = {MixerBlock: _mixer_block, gMLPBlock: _gmlp_block}


def rules(backbone, head=None) -> list[Rule]:
    """The rules filling an MLP-Mixer or gMLP `backbone` (and `head`) from timm's names.

    Raises:
        ValueError: if `backbone` is of another family.
    """
    blocks = [backbone.get_layer(f"block_{i}") for i in range(backbone.num_blocks)]
    block_rules = _BLOCK_RULES.get(type(blocks[0]))
    if block_rules is None:
        raise ValueError(
            "timm checkpoints hold MLP-Mixer (`mixer_*`) or gMLP (`gmlp_*`) weights; "
            f"they do not fit a {type(backbone).__name__} with "
            f"{type(blocks[0]).__name__} blocks."
        )
    stem = backbone.get_layer("stem")
    found = [
        Rule("stem.proj.weight", stem.kernel, ConvKernel(backbone.patch_size, "OIHW")),
        Rule("stem.proj.bias", stem.bias, SAME),
    ]
    for index, block in enumerate(blocks):
        found += block_rules(f"blocks.{index}.", block)
    found += _norm("norm.", backbone.get_layer("norm"))
    if head is not None:
        found += _linear("head.", head, head=True)
    return found
