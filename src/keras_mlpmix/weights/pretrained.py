"""The `weights` argument of `from_preset`: which weights, fetched once, loaded.

`weights` may be:

- `None` (the default): the preset's pretrained weights if it has any,
  otherwise freshly initialised weights;
- `True`: the preset's pretrained weights (an error if it has none);
- `False`: freshly initialised weights;
- a path: a checkpoint file (`.npz`, `.safetensors`, `.pth`, `.bin`), a
  `.weights.h5` file saved from the same model, or a folder holding one;
- `"hf://owner/repo"`: such a file in a Hugging Face hub repository
  (needs `huggingface_hub`).

With `True`, the first load downloads the checkpoint into the Keras cache,
verifies it (`keras_mlpmix.weights.download`), converts it with
`convert_checkpoint` and caches the converted `.weights.h5`; later loads
read only that file.
"""

from __future__ import annotations

import hashlib
import logging
import os

from keras_mlpmix.layers.argument_checks import check_pair
from keras_mlpmix.models.backbone import Backbone
from keras_mlpmix.models.image_classifier import ImageClassifier
from keras_mlpmix.models.presets import get_preset, pretrained_names
from keras_mlpmix.weights import download
from keras_mlpmix.weights.conversion import convert_checkpoint
from keras_mlpmix.weights.loading import (
    LoadReport,
    assign,
    load_checkpoint,
    model_parts,
)
from keras_mlpmix.weights.rules import Rule

logger = logging.getLogger("keras_mlpmix")

# Overrides that leave the shapes of a preset's weights as they are. A new
# image size resizes the patch-tied weights (see `patch_grid`).
WEIGHT_PRESERVING_OVERRIDES = frozenset(
    {
        "image_size",
        "dropout_rate",
        "drop_path_rate",
        "layer_norm_epsilon",
        "gate_layer_norm_epsilon",
        "approximate_gelu",
        "dtype",
        "name",
        "trainable",
    }
)

# Weight files a folder may hold, most preferred first.
_FILE_KINDS = (
    (".weights.h5",),
    (".safetensors",),
    (".npz",),
    (".pth", ".pt", ".bin"),
)

_HUB_PREFIX = "hf://"


def resolve(name: str, weights, overrides: dict):
    """Checks `from_preset`'s `weights` argument before the model is built.

    Returns:
        `False` (no weights to load), `True` (the preset's own) or the path of
        a local weights file.

    Raises:
        ValueError: for `True` on a preset without weights, or overrides that
            change the shapes of the preset's weights.
        TypeError: for a `weights` of another type.
    """
    row = get_preset(name)
    if weights is None:
        weights = row["weights"] is not None
    if isinstance(weights, bool):
        if weights and row["weights"] is None:
            raise ValueError(
                f"Preset {name!r} has no pretrained weights. Presets with pretrained "
                f"weights: {', '.join(pretrained_names())}."
            )
        reshaping = sorted(set(overrides) - WEIGHT_PRESERVING_OVERRIDES)
        if weights and reshaping:
            raise ValueError(
                f"The pretrained weights of {name!r} fit its architecture; the "
                f"overrides {reshaping} change the shapes of its weights. Pass "
                "weights=False to build that architecture with fresh weights."
            )
        return weights
    if isinstance(weights, (str, os.PathLike)):
        return weights_file(os.fspath(weights))
    raise TypeError(
        "`weights` must be None, True, False, a path or an 'hf://owner/repo' handle. "
        f"Received: weights={weights!r} of type {type(weights).__name__}."
    )


def weights_file(location: str) -> str:
    """The weights file at `location`: a file, a folder holding one, or an hf:// repo."""
    if location.startswith(_HUB_PREFIX):
        return _from_hub(location.removeprefix(_HUB_PREFIX))
    if os.path.isdir(location):
        return os.path.join(location, _choose(os.listdir(location), location))
    if os.path.isfile(location):
        return location
    raise ValueError(f"No weights file or folder at {location!r}.")


def load(model, name: str, weights) -> LoadReport:
    """Loads the weights `resolve` returned into `model`, built from preset `name`."""
    if weights is True:
        report = _load_converted(model, name, converted_checkpoint(name))
    elif weights.endswith(".weights.h5"):
        model.load_weights(weights)
        report = LoadReport(
            source=weights,
            format="keras",
            loaded=tuple(weight.path for weight in model.weights),
        )
    else:
        return load_checkpoint(model, weights, interpolate_patch_grid=True)
    logger.info("%s", report)
    return report


def converted_checkpoint(name: str) -> str:
    """The cached `.weights.h5` of preset `name`, downloaded and converted once."""
    source = get_preset(name)["weights"]
    # A new URL or hash (a new release of the weights) gets a new cache entry.
    tag = hashlib.sha256(f"{source['url']} {source['sha256']}".encode()).hexdigest()[:8]
    path = os.path.join(
        download.cache_directory("converted"), f"{name}-{tag}.weights.h5"
    )
    if not os.path.exists(path):
        checkpoint = download.fetch(
            source["url"],
            f"{name}-{tag}.{source['format']}",
            format=source["format"],
            sha256=source["sha256"],
        )
        convert_checkpoint(checkpoint, name, path, format=source["format"])
    return path


def _load_converted(model, name: str, path: str) -> LoadReport:
    """Loads a converted preset checkpoint into any model built from the preset.

    The file holds the preset's `ImageClassifier` with the checkpoint's head,
    at the preset's image size. It is read into that structure, wrapped
    around `model`'s own backbone when the image size is the preset's
    (otherwise around a new backbone at the preset's size), and the weights
    are then assigned like a checkpoint's: the head only if it fits, the
    patch-tied weights resized to another image size.
    """
    row = get_preset(name)
    backbone, head = model_parts(model)
    source = backbone
    if source.image_size != check_pair("image_size", row["image_size"]):
        source = Backbone.from_preset(name, weights=False, dtype=backbone.dtype_policy)
    reader = ImageClassifier(source, num_classes=row["num_classes"])
    reader.load_weights(path)
    reader_head = reader.get_layer("head")
    rules = [
        Rule(weight.path, target)
        for weight, target in zip(source.weights, backbone.weights, strict=True)
    ]
    if head is not None:
        rules += [
            Rule(reader_head.kernel.path, head.kernel, head=True),
            Rule(reader_head.bias.path, head.bias, head=True),
        ]
    tensors = {
        weight.path: weight.numpy()
        for weight in (*source.weights, *reader_head.weights)
    }
    return assign(
        backbone,
        rules,
        tensors,
        source=path,
        format="keras",
        head_sources=(reader_head.kernel.path, reader_head.bias.path),
        interpolate_patch_grid=True,
    )


def _choose(names, where: str) -> str:
    """The weights file among `names`, by the preference of `_FILE_KINDS`."""
    for suffixes in _FILE_KINDS:
        found = sorted(name for name in names if name.endswith(suffixes))
        if len(found) == 1:
            return found[0]
        if found:
            raise ValueError(
                f"{where!r} holds several weights files of one kind: {found}. "
                "Pass the path of the one to load."
            )
    kinds = ", ".join(suffix for suffixes in _FILE_KINDS for suffix in suffixes)
    raise ValueError(f"{where!r} holds no weights file ({kinds}).")


def _from_hub(repo_id: str) -> str:
    try:
        import huggingface_hub
    except ImportError as error:
        raise ImportError(
            "Loading weights from an 'hf://' handle needs huggingface_hub: "
            "`pip install 'keras-mlpmix[hub]'`."
        ) from error
    names = huggingface_hub.list_repo_files(repo_id)
    return huggingface_hub.hf_hub_download(repo_id, _choose(names, f"hf://{repo_id}"))
