"""The matrix products of a backbone and its head, and the FLOPs they cost.

These models are almost nothing but matrix products, so their shapes give
both the analytic cost of a forward pass and the yardstick its speed is
measured against (see `keras_mlpmix.benchmark.ceiling`).
"""

from __future__ import annotations

import dataclasses

from keras_mlpmix.layers.argument_checks import check_pair, check_positive_int

FAMILIES = ("MLPMixerBackbone", "gMLPBackbone", "FNetBackbone")


@dataclasses.dataclass(frozen=True)
class Gemm:
    """`count` products of an `(m, k)` by a `(k, n)` matrix.

    Attributes:
        name: What the product computes, e.g. `"channel_mlp.fc1"`.
        m: Rows of the left operand (tokens or channels of the whole batch).
        k: The contracted size.
        n: Columns of the right operand.
        count: How many times the product occurs in one forward pass.
    """

    name: str
    m: int
    k: int
    n: int
    count: int = 1

    @property
    def flops(self) -> int:
        """FLOPs of all `count` products, two per multiply-add."""
        return 2 * self.m * self.k * self.n * self.count


def backbone_gemms(
    family: str, config: dict, batch_size: int, num_classes: int = 0
) -> list[Gemm]:
    """The matrix products of one forward pass through a classifier.

    Written in their canonical form, `(rows, contracted) x (contracted,
    columns)`: token mixing contracts the patch axis of all `batch * C`
    channel columns, channel mixing the channel axis of all `batch * N`
    tokens. Biases, norms, activations and FNet's Fourier transform are not
    matrix products and are not counted.

    Args:
        family: The backbone class name, `"MLPMixerBackbone"`,
            `"gMLPBackbone"` or `"FNetBackbone"`.
        config: The backbone's configuration (`image_size`, `patch_size`,
            `hidden_dim`, `num_blocks` and the family's MLP widths), as in a
            preset row or `Backbone.get_config()`.
        batch_size: Number of images in the batch.
        num_classes: Width of the classification head; 0 for a backbone
            alone.

    Returns:
        A list of `Gemm`, in the order the model computes them.

    Example:

    >>> from keras_mlpmix.benchmark.gemms import backbone_gemms
    >>> config = {"image_size": 224, "patch_size": 16, "hidden_dim": 768,
    ...           "num_blocks": 12, "tokens_mlp_dim": 384,
    ...           "channels_mlp_dim": 3072}
    >>> gemms = backbone_gemms("MLPMixerBackbone", config, 1, num_classes=1000)
    >>> round(sum(g.flops for g in gemms) / 1e9, 1)  # Mixer-B/16, one image
    25.2
    """
    if family not in FAMILIES:
        raise ValueError(
            f"`family` must be one of {FAMILIES}. Received: family={family!r}."
        )
    batch_size = check_positive_int("batch_size", batch_size)
    (height, width), (ph, pw) = (
        check_pair("image_size", config["image_size"]),
        check_pair("patch_size", config["patch_size"]),
    )
    tokens = (height // ph) * (width // pw)
    channels, blocks = config["hidden_dim"], config["num_blocks"]
    rows = batch_size * tokens
    gemms = [Gemm("stem", rows, ph * pw * 3, channels)]
    if family == "MLPMixerBackbone":
        hidden_tokens, hidden_channels = (
            config["tokens_mlp_dim"],
            config["channels_mlp_dim"],
        )
        columns = batch_size * channels
        gemms += [
            Gemm("token_mlp.fc1", columns, tokens, hidden_tokens, blocks),
            Gemm("token_mlp.fc2", columns, hidden_tokens, tokens, blocks),
            Gemm("channel_mlp.fc1", rows, channels, hidden_channels, blocks),
            Gemm("channel_mlp.fc2", rows, hidden_channels, channels, blocks),
        ]
    elif family == "gMLPBackbone":
        ffn, half = config["ffn_dim"], config["ffn_dim"] // 2
        gemms += [
            Gemm("mlp.fc1", rows, channels, ffn, blocks),
            Gemm("gate.spatial_proj", batch_size * half, tokens, tokens, blocks),
            Gemm("mlp.fc2", rows, half, channels, blocks),
        ]
    else:
        ffn = config["ffn_dim"]
        gemms += [
            Gemm("mlp.fc1", rows, channels, ffn, blocks),
            Gemm("mlp.fc2", rows, ffn, channels, blocks),
        ]
    if num_classes:
        gemms.append(Gemm("head", batch_size, channels, num_classes))
    return gemms


def forward_flops(gemms: list[Gemm]) -> int:
    """Total FLOPs of the products in `gemms`."""
    return sum(gemm.flops for gemm in gemms)
