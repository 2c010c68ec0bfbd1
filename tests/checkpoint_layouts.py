"""Random checkpoints laid out exactly as the published files are.

Written from the published layouts alone (names, shapes, axis orders), not
from the library's converters: the official MLP-Mixer `.npz` (Flax tree,
Dense kernels `(in, out)`, convolution HWIO) and timm's state dicts (Linear
weights `(out, in)`, convolution OIHW) for MLP-Mixer and gMLP.
"""

import dataclasses

import numpy as np
import safetensors.numpy


@dataclasses.dataclass(frozen=True)
class Sizes:
    """A small model: `image_size` (height, width) cut into `patch` x `patch` patches."""

    image_size: tuple = (16, 12)
    patch: int = 4
    hidden: int = 8
    blocks: int = 2
    tokens_mlp: int = 6
    channels_mlp: int = 12
    ffn: int = 12
    resmlp_mlp: int = 16
    classes: int = 5

    @property
    def num_patches(self):
        return (self.image_size[0] // self.patch) * (self.image_size[1] // self.patch)

    def backbone_config(self, family):
        config = {
            "image_size": self.image_size,
            "patch_size": self.patch,
            "hidden_dim": self.hidden,
            "num_blocks": self.blocks,
        }
        if family == "mixer":
            config.update(
                tokens_mlp_dim=self.tokens_mlp, channels_mlp_dim=self.channels_mlp
            )
        elif family == "resmlp":
            config.update(channels_mlp_dim=self.resmlp_mlp)
        else:
            config.update(ffn_dim=self.ffn)
        return config


def _random(rng):
    def weight(*shape):
        return (0.3 * rng.standard_normal(shape)).astype("float32")

    def scale(size):
        return (1 + 0.1 * rng.standard_normal(size)).astype("float32")

    return weight, scale


def official_mixer(sizes, rng):
    weight, scale = _random(rng)
    c, p, n = sizes.hidden, sizes.patch, sizes.num_patches
    t = {"stem/kernel": weight(p, p, 3, c), "stem/bias": weight(c)}
    for i in range(sizes.blocks):
        prefix = f"MixerBlock_{i}/"
        for norm in ("LayerNorm_0", "LayerNorm_1"):
            t[f"{prefix}{norm}/scale"], t[f"{prefix}{norm}/bias"] = scale(c), weight(c)
        for mlp, (size, hidden) in (
            ("token_mixing", (n, sizes.tokens_mlp)),
            ("channel_mixing", (c, sizes.channels_mlp)),
        ):
            t[f"{prefix}{mlp}/Dense_0/kernel"] = weight(size, hidden)
            t[f"{prefix}{mlp}/Dense_0/bias"] = weight(hidden)
            t[f"{prefix}{mlp}/Dense_1/kernel"] = weight(hidden, size)
            t[f"{prefix}{mlp}/Dense_1/bias"] = weight(size)
    t["pre_head_layer_norm/scale"], t["pre_head_layer_norm/bias"] = scale(c), weight(c)
    t["head/kernel"], t["head/bias"] = weight(c, sizes.classes), weight(sizes.classes)
    return t


def _timm_common(sizes, rng, norm=("weight", "bias"), norm_shape=()):
    weight, scale = _random(rng)
    c, p = sizes.hidden, sizes.patch
    return {
        "stem.proj.weight": weight(c, 3, p, p),
        "stem.proj.bias": weight(c),
        f"norm.{norm[0]}": scale((*norm_shape, c)),
        f"norm.{norm[1]}": weight(*norm_shape, c),
        "head.weight": weight(sizes.classes, c),
        "head.bias": weight(sizes.classes),
    }


def timm_mixer(sizes, rng):
    t = _timm_common(sizes, rng)
    weight, scale = _random(rng)
    c, n = sizes.hidden, sizes.num_patches
    for i in range(sizes.blocks):
        prefix = f"blocks.{i}."
        for norm in ("norm1", "norm2"):
            t[f"{prefix}{norm}.weight"], t[f"{prefix}{norm}.bias"] = scale(c), weight(c)
        for mlp, (size, hidden) in (
            ("mlp_tokens", (n, sizes.tokens_mlp)),
            ("mlp_channels", (c, sizes.channels_mlp)),
        ):
            t[f"{prefix}{mlp}.fc1.weight"] = weight(hidden, size)
            t[f"{prefix}{mlp}.fc1.bias"] = weight(hidden)
            t[f"{prefix}{mlp}.fc2.weight"] = weight(size, hidden)
            t[f"{prefix}{mlp}.fc2.bias"] = weight(size)
    return t


def timm_gmlp(sizes, rng):
    t = _timm_common(sizes, rng)
    weight, scale = _random(rng)
    c, n, f = sizes.hidden, sizes.num_patches, sizes.ffn
    for i in range(sizes.blocks):
        prefix = f"blocks.{i}."
        t[f"{prefix}norm.weight"], t[f"{prefix}norm.bias"] = scale(c), weight(c)
        t[f"{prefix}mlp_channels.fc1.weight"] = weight(f, c)
        t[f"{prefix}mlp_channels.fc1.bias"] = weight(f)
        t[f"{prefix}mlp_channels.gate.norm.weight"] = scale(f // 2)
        t[f"{prefix}mlp_channels.gate.norm.bias"] = weight(f // 2)
        t[f"{prefix}mlp_channels.gate.proj.weight"] = weight(n, n)
        t[f"{prefix}mlp_channels.gate.proj.bias"] = 1 + weight(n)
        t[f"{prefix}mlp_channels.fc2.weight"] = weight(c, f // 2)
        t[f"{prefix}mlp_channels.fc2.bias"] = weight(c)
    return t


def timm_resmlp(sizes, rng):
    # timm's Affine keeps its alpha and beta as (1, 1, C).
    t = _timm_common(sizes, rng, norm=("alpha", "beta"), norm_shape=(1, 1))
    weight, scale = _random(rng)
    c, n, h = sizes.hidden, sizes.num_patches, sizes.resmlp_mlp
    for i in range(sizes.blocks):
        prefix = f"blocks.{i}."
        for norm in ("norm1", "norm2"):
            t[f"{prefix}{norm}.alpha"] = scale((1, 1, c))
            t[f"{prefix}{norm}.beta"] = weight(1, 1, c)
        t[f"{prefix}linear_tokens.weight"] = weight(n, n)
        t[f"{prefix}linear_tokens.bias"] = weight(n)
        t[f"{prefix}mlp_channels.fc1.weight"] = weight(h, c)
        t[f"{prefix}mlp_channels.fc1.bias"] = weight(h)
        t[f"{prefix}mlp_channels.fc2.weight"] = weight(c, h)
        t[f"{prefix}mlp_channels.fc2.bias"] = weight(c)
        t[f"{prefix}ls1"] = weight(c)
        t[f"{prefix}ls2"] = weight(c)
    return t


# (format, family) -> the random tensors of that layout.
LAYOUTS = {
    ("npz", "mixer"): official_mixer,
    ("safetensors", "mixer"): timm_mixer,
    ("safetensors", "gmlp"): timm_gmlp,
    ("safetensors", "resmlp"): timm_resmlp,
}


def write(path, tensors, format):
    """Writes `tensors` as the published files are written."""
    if format == "npz":
        np.savez(path, **tensors)
    elif format == "safetensors":
        safetensors.numpy.save_file(tensors, str(path))
    else:
        import torch

        torch.save(
            {name: torch.from_numpy(value) for name, value in tensors.items()}, path
        )
    return path
