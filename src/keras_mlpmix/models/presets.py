"""Named configurations: the papers' model sizes and the keras-io CIFAR-100 ones.

Each preset is a row of data. `config` holds the backbone's constructor
arguments except `image_size`, which is a column of its own; `params` is the
number of weights of the backbone plus a `num_classes`-way linear head, as
built by `ImageClassifier.from_preset(name)`; `mean` and `std` are the
per-channel normalisation of images scaled to [0, 1] that
`include_preprocessing=True` applies; `head_dropout_rate` is the dropout
before the head; `weights` is None for an architecture with freshly
initialised weights, or, for a pretrained checkpoint, a dict with the
checkpoint's `url`, its `format` (`"npz"`: the official MLP-Mixer parameter
tree; `"safetensors"`: a timm state dict) and its `sha256` (None where no
published hash is known; the file's structure is still checked). For a
pretrained row, `num_classes` is the size of the checkpoint's head and
`mean` / `std` the normalisation the checkpoint was trained with.

- MLP-Mixer sizes: Tolstikhin et al., 2021, Table 1, named as in timm;
  normalisation mean = std = 0.5 per channel (official and timm checkpoints).
- gMLP sizes: Liu et al., 2021, Table 1 (30 blocks, patch 16);
  normalisation mean = std = 0.5 per channel, as timm's configuration and
  its trained `gmlp_s16_224.ra3_in1k` checkpoint use.
- FNet sizes: there is no official vision FNet; `fnet_s16_224` and
  `fnet_b16_224` are this library's, with Mixer-S and Mixer-B widths.
- Pretrained checkpoints are named `<architecture>.<source>_<data>`. Those
  hosted by timm on the Hugging Face hub (`timm/<tag>`, file
  `model.safetensors`) keep timm's tags; they run with exact GELU, like
  timm. `official_*` names the `.npz` files released with the MLP-Mixer
  paper (bucket `gs://mixer_models`, served over HTTPS from
  `storage.googleapis.com/mixer_models`); they run with the tanh
  approximation of GELU (`approximate_gelu=True`) of the official Flax
  code. Normalisation, as in timm's configurations: mean = std = 0.5 per
  channel, except mean 0 and std 1 for the ImageNet-21K-P ("miil")
  weights. timm's gMLP-S checkpoint also uses 0.5, not the ImageNet
  statistics of the `gmlp_*_224` architecture rows.
- CIFAR-100: the sizes of the keras-io example "Image classification with
  modern MLP models" (32x32 inputs resized to 64, patch 8, 64 patches, 256
  channels, 4 blocks, dropout 0.2 in the blocks and before the head). Its
  models count 242,788 (Mixer), 621,924 (FNet) and 885,348 (gMLP) trainable
  weights; ours count 512 more in each, for the final LayerNorm the example
  lacks, and the Mixer 512 more per block, because our Mixer block has the
  paper's two LayerNorms where the example shares one. The example adapts a
  Normalization layer on the training set; these presets use the CIFAR-100
  training-set statistics instead.
"""

from __future__ import annotations

import copy

_HALF = (0.5, 0.5, 0.5)
_CIFAR100_MEAN = (0.5071, 0.4865, 0.4409)
_CIFAR100_STD = (0.2673, 0.2564, 0.2762)

PRESETS = {
    "mixer_s32_224": {
        "backbone": "MLPMixerBackbone",
        "description": "Mixer-S/32 (Tolstikhin et al., 2021).",
        "config": {
            "patch_size": 32,
            "hidden_dim": 512,
            "num_blocks": 8,
            "tokens_mlp_dim": 256,
            "channels_mlp_dim": 2048,
        },
        "image_size": 224,
        "params": 19_104_624,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "mixer_s16_224": {
        "backbone": "MLPMixerBackbone",
        "description": "Mixer-S/16 (Tolstikhin et al., 2021).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 512,
            "num_blocks": 8,
            "tokens_mlp_dim": 256,
            "channels_mlp_dim": 2048,
        },
        "image_size": 224,
        "params": 18_528_264,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "mixer_b32_224": {
        "backbone": "MLPMixerBackbone",
        "description": "Mixer-B/32 (Tolstikhin et al., 2021).",
        "config": {
            "patch_size": 32,
            "hidden_dim": 768,
            "num_blocks": 12,
            "tokens_mlp_dim": 384,
            "channels_mlp_dim": 3072,
        },
        "image_size": 224,
        "params": 60_293_428,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "mixer_b16_224": {
        "backbone": "MLPMixerBackbone",
        "description": "Mixer-B/16 (Tolstikhin et al., 2021).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 768,
            "num_blocks": 12,
            "tokens_mlp_dim": 384,
            "channels_mlp_dim": 3072,
        },
        "image_size": 224,
        "params": 59_880_472,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "mixer_l32_224": {
        "backbone": "MLPMixerBackbone",
        "description": "Mixer-L/32 (Tolstikhin et al., 2021).",
        "config": {
            "patch_size": 32,
            "hidden_dim": 1024,
            "num_blocks": 24,
            "tokens_mlp_dim": 512,
            "channels_mlp_dim": 4096,
        },
        "image_size": 224,
        "params": 206_939_264,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "mixer_l16_224": {
        "backbone": "MLPMixerBackbone",
        "description": "Mixer-L/16 (Tolstikhin et al., 2021).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 1024,
            "num_blocks": 24,
            "tokens_mlp_dim": 512,
            "channels_mlp_dim": 4096,
        },
        "image_size": 224,
        "params": 208_196_168,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "mixer_h14_224": {
        "backbone": "MLPMixerBackbone",
        "description": "Mixer-H/14 (Tolstikhin et al., 2021).",
        "config": {
            "patch_size": 14,
            "hidden_dim": 1280,
            "num_blocks": 32,
            "tokens_mlp_dim": 640,
            "channels_mlp_dim": 5120,
        },
        "image_size": 224,
        "params": 432_350_952,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "gmlp_ti16_224": {
        "backbone": "gMLPBackbone",
        "description": "gMLP-Ti (Liu et al., 2021).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 128,
            "num_blocks": 30,
            "ffn_dim": 768,
        },
        "image_size": 224,
        "params": 5_867_328,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "gmlp_s16_224": {
        "backbone": "gMLPBackbone",
        "description": "gMLP-S (Liu et al., 2021).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 256,
            "num_blocks": 30,
            "ffn_dim": 1536,
        },
        "image_size": 224,
        "params": 19_422_656,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "gmlp_b16_224": {
        "backbone": "gMLPBackbone",
        "description": "gMLP-B (Liu et al., 2021).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 512,
            "num_blocks": 30,
            "ffn_dim": 3072,
        },
        "image_size": 224,
        "params": 73_075_392,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "fnet_s16_224": {
        "backbone": "FNetBackbone",
        "description": "FNet on 16x16 patches with Mixer-S widths (this library's "
        "size; there is no official vision FNet).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 512,
            "num_blocks": 12,
            "ffn_dim": 2048,
        },
        "image_size": 224,
        "params": 26_229_224,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "fnet_b16_224": {
        "backbone": "FNetBackbone",
        "description": "FNet on 16x16 patches with Mixer-B widths (this library's "
        "size; there is no official vision FNet).",
        "config": {
            "patch_size": 16,
            "hidden_dim": 768,
            "num_blocks": 12,
            "ffn_dim": 3072,
        },
        "image_size": 224,
        "params": 58_217_704,
        "num_classes": 1000,
        "head_dropout_rate": 0.0,
        "mean": _HALF,
        "std": _HALF,
        "weights": None,
    },
    "mixer_cifar100": {
        "backbone": "MLPMixerBackbone",
        "description": "MLP-Mixer of the keras-io CIFAR-100 example (32x32 "
        "images resized to 64). The example counts 242,788 weights; ours "
        "245,348: +512 for the final LayerNorm, +512 per block for the "
        "paper's second LayerNorm.",
        "config": {
            "patch_size": 8,
            "hidden_dim": 256,
            "num_blocks": 4,
            "tokens_mlp_dim": 64,
            "channels_mlp_dim": 64,
            "dropout_rate": 0.2,
        },
        "image_size": 64,
        "params": 245_348,
        "num_classes": 100,
        "head_dropout_rate": 0.2,
        "mean": _CIFAR100_MEAN,
        "std": _CIFAR100_STD,
        "weights": None,
    },
    "fnet_cifar100": {
        "backbone": "FNetBackbone",
        "description": "FNet of the keras-io CIFAR-100 example (32x32 images "
        "resized to 64). The example counts 621,924 weights; ours 622,436: "
        "+512 for the final LayerNorm.",
        "config": {
            "patch_size": 8,
            "hidden_dim": 256,
            "num_blocks": 4,
            "ffn_dim": 256,
            "dropout_rate": 0.2,
        },
        "image_size": 64,
        "params": 622_436,
        "num_classes": 100,
        "head_dropout_rate": 0.2,
        "mean": _CIFAR100_MEAN,
        "std": _CIFAR100_STD,
        "weights": None,
    },
    "gmlp_cifar100": {
        "backbone": "gMLPBackbone",
        "description": "gMLP of the keras-io CIFAR-100 example (32x32 images "
        "resized to 64). The example counts 885,348 weights; ours 885,860: "
        "+512 for the final LayerNorm.",
        "config": {
            "patch_size": 8,
            "hidden_dim": 256,
            "num_blocks": 4,
            "ffn_dim": 512,
            "dropout_rate": 0.2,
        },
        "image_size": 64,
        "params": 885_860,
        "num_classes": 100,
        "head_dropout_rate": 0.2,
        "mean": _CIFAR100_MEAN,
        "std": _CIFAR100_STD,
        "weights": None,
    },
}


_TIMM_HUB = "https://huggingface.co/timm/{tag}/resolve/main/model.safetensors"
_OFFICIAL_BUCKET = "https://storage.googleapis.com/mixer_models/{path}"
# ImageNet-21k (Google's release) and ImageNet-21K-P (Ridnik et al., 2021) heads.
_IN21K_CLASSES = 21843
_IN21K_P_CLASSES = 11221


def _checkpoint(
    architecture, description, *, num_classes, mean, std, weights, approximate_gelu
):
    """The row of `architecture` with a pretrained checkpoint's head and weights."""
    row = copy.deepcopy(PRESETS[architecture])
    head_size = row["config"]["hidden_dim"] + 1
    row.update(
        description=description,
        num_classes=num_classes,
        params=row["params"] + head_size * (num_classes - row["num_classes"]),
        mean=mean,
        std=std,
        weights=weights,
    )
    row["config"]["approximate_gelu"] = approximate_gelu
    return row


def _timm(tag, description, num_classes, mean=_HALF, std=_HALF, sha256=None):
    return _checkpoint(
        tag.split(".")[0],
        f"{description} timm's `{tag}`.",
        num_classes=num_classes,
        mean=mean,
        std=std,
        weights={
            "url": _TIMM_HUB.format(tag=tag),
            "format": "safetensors",
            "sha256": sha256,
        },
        approximate_gelu=False,
    )


def _official(architecture, path, description, num_classes):
    return _checkpoint(
        architecture,
        f"{description} Official `{path}`.",
        num_classes=num_classes,
        mean=_HALF,
        std=_HALF,
        weights={
            "url": _OFFICIAL_BUCKET.format(path=path),
            "format": "npz",
            "sha256": None,
        },
        approximate_gelu=True,
    )


PRESETS.update(
    {
        "mixer_b16_224.goog_in21k": _timm(
            "mixer_b16_224.goog_in21k",
            "Mixer-B/16 pre-trained on ImageNet-21k by Google.",
            _IN21K_CLASSES,
        ),
        "mixer_b16_224.goog_in21k_ft_in1k": _timm(
            "mixer_b16_224.goog_in21k_ft_in1k",
            "Mixer-B/16 by Google, ImageNet-1k head.",
            1000,
        ),
        "mixer_b16_224.miil_in21k": _timm(
            "mixer_b16_224.miil_in21k",
            "Mixer-B/16 pre-trained on ImageNet-21K-P (Ridnik et al., 2021).",
            _IN21K_P_CLASSES,
            mean=(0.0, 0.0, 0.0),
            std=(1.0, 1.0, 1.0),
        ),
        "mixer_b16_224.miil_in21k_ft_in1k": _timm(
            "mixer_b16_224.miil_in21k_ft_in1k",
            "Mixer-B/16 pre-trained on ImageNet-21K-P, fine-tuned on ImageNet-1k.",
            1000,
            mean=(0.0, 0.0, 0.0),
            std=(1.0, 1.0, 1.0),
        ),
        "mixer_l16_224.goog_in21k": _timm(
            "mixer_l16_224.goog_in21k",
            "Mixer-L/16 pre-trained on ImageNet-21k by Google.",
            _IN21K_CLASSES,
        ),
        "mixer_l16_224.goog_in21k_ft_in1k": _timm(
            "mixer_l16_224.goog_in21k_ft_in1k",
            "Mixer-L/16 by Google, ImageNet-1k head.",
            1000,
        ),
        "gmlp_s16_224.ra3_in1k": _timm(
            "gmlp_s16_224.ra3_in1k",
            "gMLP-S trained on ImageNet-1k in timm.",
            1000,
            # The hub's LFS record of timm/gmlp_s16_224.ra3_in1k model.safetensors.
            sha256="227698aa36c69936a1c64a001fa9d7110c63957c4e7a43f2ad684b160a47778a",
        ),
        "mixer_b16_224.official_in21k": _official(
            "mixer_b16_224",
            "imagenet21k/Mixer-B_16.npz",
            "Mixer-B/16 pre-trained on ImageNet-21k (Tolstikhin et al., 2021).",
            _IN21K_CLASSES,
        ),
        "mixer_b16_224.official_in1k": _official(
            "mixer_b16_224",
            "imagenet1k/Mixer-B_16.npz",
            "Mixer-B/16 with an ImageNet-1k head (Tolstikhin et al., 2021).",
            1000,
        ),
        "mixer_l16_224.official_in21k": _official(
            "mixer_l16_224",
            "imagenet21k/Mixer-L_16.npz",
            "Mixer-L/16 pre-trained on ImageNet-21k (Tolstikhin et al., 2021).",
            _IN21K_CLASSES,
        ),
        "mixer_l16_224.official_in1k": _official(
            "mixer_l16_224",
            "imagenet1k/Mixer-L_16.npz",
            "Mixer-L/16 with an ImageNet-1k head (Tolstikhin et al., 2021).",
            1000,
        ),
        "mixer_b16_224.official_sam_in1k": _official(
            "mixer_b16_224",
            "sam/Mixer-B_16.npz",
            "Mixer-B/16 trained on ImageNet-1k with SAM (Chen et al., 2021).",
            1000,
        ),
        "mixer_b32_224.official_sam_in1k": _official(
            "mixer_b32_224",
            "sam/Mixer-B_32.npz",
            "Mixer-B/32 trained on ImageNet-1k with SAM (Chen et al., 2021).",
            1000,
        ),
        "mixer_s16_224.official_gsam_in1k": _official(
            "mixer_s16_224",
            "gsam/Mixer-S_16.npz",
            "Mixer-S/16 trained on ImageNet-1k with GSAM (Zhuang et al., 2022).",
            1000,
        ),
        "mixer_s32_224.official_gsam_in1k": _official(
            "mixer_s32_224",
            "gsam/Mixer-S_32.npz",
            "Mixer-S/32 trained on ImageNet-1k with GSAM (Zhuang et al., 2022).",
            1000,
        ),
        "mixer_b16_224.official_gsam_in1k": _official(
            "mixer_b16_224",
            "gsam/Mixer-B_16.npz",
            "Mixer-B/16 trained on ImageNet-1k with GSAM (Zhuang et al., 2022).",
            1000,
        ),
        "mixer_b32_224.official_gsam_in1k": _official(
            "mixer_b32_224",
            "gsam/Mixer-B_32.npz",
            "Mixer-B/32 trained on ImageNet-1k with GSAM (Zhuang et al., 2022).",
            1000,
        ),
    }
)


def pretrained_names() -> list[str]:
    """Names of the presets that come with pretrained weights."""
    return [name for name, row in PRESETS.items() if row["weights"] is not None]


def preset_names(backbone: str | None = None) -> list[str]:
    """Names of all presets, or of those built by the class named `backbone`."""
    return [
        name for name, row in PRESETS.items() if backbone in (None, row["backbone"])
    ]


def get_preset(name: str) -> dict:
    """Returns a copy of the row of preset `name`.

    Raises:
        ValueError: if there is no preset `name`; the message lists them all.
    """
    if name not in PRESETS:
        raise ValueError(
            f"Unknown preset {name!r}. Available presets: {', '.join(PRESETS)}."
        )
    return copy.deepcopy(PRESETS[name])


def list_presets() -> dict[str, dict]:
    """Prints a table of the presets and returns their rows, by name.

    Returns:
        A dict from preset name to a copy of its row (see this module's
        documentation for the fields).

    Example:

    >>> from keras_mlpmix.models import list_presets
    >>> rows = list_presets()
    name            family    image  params (classes)    description
    mixer_s32_224   MLPMixer  224    19,104,624 (1000)   Mixer-S/32 (Tolstikhin et al., 2021).
    ...
    >>> rows["mixer_b16_224"]["params"]
    59880472
    """
    header = ("name", "family", "image", "params (classes)", "description")
    lines = [
        (
            name,
            row["backbone"].removesuffix("Backbone"),
            str(row["image_size"]),
            f"{row['params']:,} ({row['num_classes']})",
            row["description"],
        )
        for name, row in PRESETS.items()
    ]
    widths = [max(len(line[i]) for line in (header, *lines)) for i in range(4)]
    for line in (header, *lines):
        cells = [
            cell.ljust(width + 2) for cell, width in zip(line[:4], widths, strict=True)
        ]
        print("".join(cells) + line[4])
    return {name: get_preset(name) for name in PRESETS}
