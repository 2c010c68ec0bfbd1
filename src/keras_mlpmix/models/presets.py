"""The built-in presets: the papers' sizes, the keras-io CIFAR-100 ones, checkpoints.

Parameter counts are computed from the models (`preset_sources.parameter_count`).
"""

from __future__ import annotations

import copy

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError

_HALF = (0.5, 0.5, 0.5)
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
# CIFAR-100 training-set statistics (the keras-io example adapts a Normalization).
_CIFAR100_MEAN = (0.5071, 0.4865, 0.4409)
_CIFAR100_STD = (0.2673, 0.2564, 0.2762)

_IMAGENET = {
    "image_size": 224,
    "num_classes": 1000,
    "head_dropout_rate": 0.0,
    "mean": _HALF,
    "std": _HALF,
    "weights": None,
    "license": None,
}
_CIFAR100 = {
    "image_size": 64,
    "num_classes": 100,
    "head_dropout_rate": 0.2,
    "mean": _CIFAR100_MEAN,
    "std": _CIFAR100_STD,
    "weights": None,
    "license": None,
    "source": "keras-io example 'Image classification with modern MLP models'",
}
_MIXER_PAPER = (
    "Tolstikhin et al., 2021, 'MLP-Mixer: An all-MLP Architecture for Vision'"
)
_GMLP_PAPER = "Liu et al., 2021, 'Pay Attention to MLPs'"
_RESMLP_PAPER = (
    "Touvron et al., 2021, 'ResMLP: Feedforward networks for image classification'"
)


def _row(backbone: str, description: str, defaults: dict, **config) -> dict:
    row = {"backbone": backbone, "description": description, **defaults}
    row.setdefault("source", None)
    row["config"] = config
    return row


# Mixer widths (Tolstikhin et al., 2021, Table 1): hidden C, blocks, D_S, D_C.
_MIXER_SIZES = {
    "S": (512, 8, 256, 2048),
    "B": (768, 12, 384, 3072),
    "L": (1024, 24, 512, 4096),
    "H": (1280, 32, 640, 5120),
}
_MIXERS = {
    f"mixer_{size.lower()}{patch}_224": _row(
        "MLPMixerBackbone",
        f"Mixer-{size}/{patch} (Tolstikhin et al., 2021).",
        {**_IMAGENET, "source": _MIXER_PAPER},
        patch_size=patch,
        hidden_dim=_MIXER_SIZES[size][0],
        num_blocks=_MIXER_SIZES[size][1],
        tokens_mlp_dim=_MIXER_SIZES[size][2],
        channels_mlp_dim=_MIXER_SIZES[size][3],
    )
    for size, patch in (
        ("S", 32), ("S", 16), ("B", 32), ("B", 16), ("L", 32), ("L", 16), ("H", 14),
    )
}  # fmt: skip
# gMLP (Liu et al., 2021, Table 1): 30 blocks, patch 16; d_model and d_ffn.
_GMLPS = {
    f"gmlp_{size.lower()}16_224": _row(
        "gMLPBackbone",
        f"gMLP-{size} (Liu et al., 2021).",
        {**_IMAGENET, "source": _GMLP_PAPER},
        patch_size=16,
        hidden_dim=hidden,
        num_blocks=30,
        ffn_dim=ffn,
    )
    for size, hidden, ffn in (("Ti", 128, 768), ("S", 256, 1536), ("B", 512, 3072))
}
# ResMLP as timm registers it: depth, patch, width; LayerScale init by depth.
_RESMLPS = {
    name: _row(
        "ResMLPBackbone",
        description,
        {**_IMAGENET, "mean": _IMAGENET_MEAN, "std": _IMAGENET_STD,
         "source": _RESMLP_PAPER},
        patch_size=patch,
        hidden_dim=hidden,
        num_blocks=depth,
        layer_scale_init=scale,
    )
    for name, description, patch, hidden, depth, scale in (
        ("resmlp_12_224", "ResMLP-12 (Touvron et al., 2021).", 16, 384, 12, 1e-4),
        ("resmlp_24_224", "ResMLP-24 (Touvron et al., 2021).", 16, 384, 24, 1e-5),
        ("resmlp_36_224", "ResMLP-36 (Touvron et al., 2021).", 16, 384, 36, 1e-6),
        ("resmlp_big_24_224", "ResMLP-B24/8 (Touvron et al., 2021).", 8, 768, 24, 1e-6),
    )
}  # fmt: skip
_FNETS = {
    f"fnet_{size.lower()}16_224": _row(
        "FNetBackbone",
        f"FNet on 16x16 patches with Mixer-{size} widths (this library's size; "
        "there is no official vision FNet).",
        {**_IMAGENET, "source": "keras-mlpmix"},
        patch_size=16,
        hidden_dim=hidden,
        num_blocks=12,
        ffn_dim=ffn,
    )
    for size, hidden, ffn in (("S", 512, 2048), ("B", 768, 3072))
}
# The keras-io example's sizes: 8x8 patches of 64x64 images, 256 channels, 4 blocks.
_CIFAR_SIZES = {
    "patch_size": 8,
    "hidden_dim": 256,
    "num_blocks": 4,
    "dropout_rate": 0.2,
}
_CIFAR = {
    "mixer_cifar100": _row(
        "MLPMixerBackbone",
        "MLP-Mixer of the keras-io CIFAR-100 example (32x32 images resized to "
        "64). The example counts 242,788 weights; ours 245,348: +512 for the "
        "final LayerNorm, +512 per block for the paper's second LayerNorm.",
        _CIFAR100,
        **_CIFAR_SIZES,
        tokens_mlp_dim=64,
        channels_mlp_dim=64,
    ),
    "fnet_cifar100": _row(
        "FNetBackbone",
        "FNet of the keras-io CIFAR-100 example (32x32 images resized to 64). "
        "The example counts 621,924 weights; ours 622,436: +512 for the final "
        "LayerNorm.",
        _CIFAR100,
        **_CIFAR_SIZES,
        ffn_dim=256,
    ),
    "gmlp_cifar100": _row(
        "gMLPBackbone",
        "gMLP of the keras-io CIFAR-100 example (32x32 images resized to 64). "
        "The example counts 885,348 weights; ours 885,860: +512 for the final "
        "LayerNorm.",
        _CIFAR100,
        **_CIFAR_SIZES,
        ffn_dim=512,
    ),
    "resmlp_cifar100": _row(
        "ResMLPBackbone",
        "ResMLP at the sizes of the keras-io CIFAR-100 example (32x32 images "
        "resized to 64, patch 8, 256 channels, 4 blocks, dropout 0.2); the "
        "example has no ResMLP.",
        _CIFAR100,
        **_CIFAR_SIZES,
        layer_scale_init=0.1,  # CaiT's value up to depth 18 (Touvron et al., 2021).
    ),
}
ARCHITECTURES = {**_MIXERS, **_GMLPS, **_RESMLPS, **_FNETS, **_CIFAR}

# Checkpoint rows are named `<architecture>.<source>_<data>`; timm's run with exact
# GELU and the official `.npz` ones with tanh GELU, as their reference code does.
_TIMM_HUB = "https://huggingface.co/timm/{tag}/resolve/main/model.safetensors"
_OFFICIAL_BUCKET = "https://storage.googleapis.com/mixer_models/{path}"
# ImageNet-21k (Google's release) and ImageNet-21K-P (Ridnik et al., 2021) heads.
_IN21K_CLASSES = 21843
_IN21K_P_CLASSES = 11221


def _checkpoint(name, description, num_classes, weights, approximate_gelu, **row):
    """The row of `name`'s architecture with a checkpoint's head and weights."""
    architecture = copy.deepcopy(ARCHITECTURES[name.split(".")[0]])
    architecture.update(
        description=description, num_classes=num_classes, weights=weights, **row
    )
    architecture["config"]["approximate_gelu"] = approximate_gelu
    return architecture


def _timm(name, description, num_classes=1000, sha256=None, **row):
    return name, _checkpoint(
        name,
        f"{description} timm's `{name}`.",
        num_classes,
        {"url": _TIMM_HUB.format(tag=name), "format": "safetensors", "sha256": sha256},
        approximate_gelu=False,
        source=f"https://huggingface.co/timm/{name}",
        # The licence timm's configuration gives every checkpoint of the family.
        license="apache-2.0",
        **row,
    )


def _official(name, path, description, num_classes=1000):
    return name, _checkpoint(
        name,
        f"{description} Official `{path}`.",
        num_classes,
        {"url": _OFFICIAL_BUCKET.format(path=path), "format": "npz", "sha256": None},
        approximate_gelu=True,
        source=_OFFICIAL_BUCKET.format(path=path),
    )


_MIIL = {"mean": (0.0, 0.0, 0.0), "std": (1.0, 1.0, 1.0)}
_IN1K, _IN21K, _MIIL_IN21K = "ImageNet-1k", "ImageNet-21k", "ImageNet-21K-P"
# The hub's LFS record of timm/gmlp_s16_224.ra3_in1k model.safetensors.
_GMLP_S_SHA256 = "227698aa36c69936a1c64a001fa9d7110c63957c4e7a43f2ad684b160a47778a"
_BY_FACEBOOK = {
    "fb_in1k": f"trained on {_IN1K} by Facebook.",
    "fb_distilled_in1k": f"trained on {_IN1K} by Facebook with distillation.",
    "fb_dino": "pre-trained with DINO self-supervision by Facebook; fine-tune a "
    "head for your classes.",
    "fb_in22k_ft_in1k": f"pre-trained on ImageNet-22k, fine-tuned on {_IN1K} by "
    "Facebook.",
}
_RESMLP_CHECKPOINTS = {
    "resmlp_12_224": ("fb_in1k", "fb_distilled_in1k", "fb_dino"),
    "resmlp_24_224": ("fb_in1k", "fb_distilled_in1k", "fb_dino"),
    "resmlp_36_224": ("fb_in1k", "fb_distilled_in1k"),
    "resmlp_big_24_224": ("fb_in1k", "fb_distilled_in1k", "fb_in22k_ft_in1k"),
}
_SAM = "with SAM (Chen et al., 2021)"
_GSAM = "with GSAM (Zhuang et al., 2022)"
PRETRAINED = dict(
    [
        _timm("mixer_b16_224.goog_in21k", f"Mixer-B/16 pre-trained on {_IN21K} by Google.", _IN21K_CLASSES),
        _timm("mixer_b16_224.goog_in21k_ft_in1k", f"Mixer-B/16 by Google, {_IN1K} head."),
        _timm("mixer_b16_224.miil_in21k", f"Mixer-B/16 pre-trained on {_MIIL_IN21K} (Ridnik et al., 2021).", _IN21K_P_CLASSES, **_MIIL),
        _timm("mixer_b16_224.miil_in21k_ft_in1k", f"Mixer-B/16 pre-trained on {_MIIL_IN21K}, fine-tuned on {_IN1K}.", **_MIIL),
        _timm("mixer_l16_224.goog_in21k", f"Mixer-L/16 pre-trained on {_IN21K} by Google.", _IN21K_CLASSES),
        _timm("mixer_l16_224.goog_in21k_ft_in1k", f"Mixer-L/16 by Google, {_IN1K} head."),
        _timm("gmlp_s16_224.ra3_in1k", f"gMLP-S trained on {_IN1K} in timm.", sha256=_GMLP_S_SHA256),
        *(
            _timm(f"{name}.{tag}", f"{ARCHITECTURES[name]['description'].split(' (')[0]} {_BY_FACEBOOK[tag]}")
            for name, tags in _RESMLP_CHECKPOINTS.items()
            for tag in tags
        ),
        _official("mixer_b16_224.official_in21k", "imagenet21k/Mixer-B_16.npz", f"Mixer-B/16 pre-trained on {_IN21K} (Tolstikhin et al., 2021).", _IN21K_CLASSES),
        _official("mixer_b16_224.official_in1k", "imagenet1k/Mixer-B_16.npz", f"Mixer-B/16 with an {_IN1K} head (Tolstikhin et al., 2021)."),
        _official("mixer_l16_224.official_in21k", "imagenet21k/Mixer-L_16.npz", f"Mixer-L/16 pre-trained on {_IN21K} (Tolstikhin et al., 2021).", _IN21K_CLASSES),
        _official("mixer_l16_224.official_in1k", "imagenet1k/Mixer-L_16.npz", f"Mixer-L/16 with an {_IN1K} head (Tolstikhin et al., 2021)."),
        _official("mixer_b16_224.official_sam_in1k", "sam/Mixer-B_16.npz", f"Mixer-B/16 trained on {_IN1K} {_SAM}."),
        _official("mixer_b32_224.official_sam_in1k", "sam/Mixer-B_32.npz", f"Mixer-B/32 trained on {_IN1K} {_SAM}."),
        _official("mixer_s16_224.official_gsam_in1k", "gsam/Mixer-S_16.npz", f"Mixer-S/16 trained on {_IN1K} {_GSAM}."),
        _official("mixer_s32_224.official_gsam_in1k", "gsam/Mixer-S_32.npz", f"Mixer-S/32 trained on {_IN1K} {_GSAM}."),
        _official("mixer_b16_224.official_gsam_in1k", "gsam/Mixer-B_16.npz", f"Mixer-B/16 trained on {_IN1K} {_GSAM}."),
        _official("mixer_b32_224.official_gsam_in1k", "gsam/Mixer-B_32.npz", f"Mixer-B/32 trained on {_IN1K} {_GSAM}."),
    ]
)  # fmt: skip
PRESETS = {**ARCHITECTURES, **PRETRAINED}


def pretrained_names() -> list[str]:
    """Names of the presets that come with pretrained weights."""
    return [name for name, row in PRESETS.items() if row["weights"] is not None]


def preset_names(backbone: str | None = None) -> list[str]:
    """Names of all presets, or of those built by the class named `backbone`."""
    return [
        name for name, row in PRESETS.items() if backbone in (None, row["backbone"])
    ]


def get_preset(name: str) -> dict:
    """A copy of the row of preset `name`; if unknown, a `ValueError` lists them all."""
    if not isinstance(name, str):
        raise InvalidTypeError(
            f"A preset name must be a string. Received: {name!r} of type "
            f"{type(name).__name__}."
        )
    if name not in PRESETS:
        raise InvalidValueError(
            f"Unknown preset {name!r}. Available presets: {', '.join(PRESETS)}."
        )
    return copy.deepcopy(PRESETS[name])


def list_presets() -> dict[str, dict]:
    """Returns a copy of every built-in preset's row, by name.

    A row holds `backbone` (the class name), `config` (its arguments but `image_size`),
    `image_size`, `num_classes`, `head_dropout_rate`, `mean` and `std` (normalisation
    of images in [0, 1]), `weights` (None, or the checkpoint's `url`, `format` and
    `sha256`), `description`, `source` and `license`; `keras-mlpmix presets` lists them.

    Example:

    >>> from keras_mlpmix.models import list_presets
    >>> rows = list_presets()
    >>> rows["mixer_b16_224"]["config"]["hidden_dim"], rows["mixer_b16_224"]["backbone"]
    (768, 'MLPMixerBackbone')
    >>> sorted(name for name, row in rows.items() if row["image_size"] == 64)
    ['fnet_cifar100', 'gmlp_cifar100', 'mixer_cifar100', 'resmlp_cifar100']
    """
    return {name: get_preset(name) for name in PRESETS}
