"""Opening presets (built-in names, preset folders, `hf://` handles) and weights."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os

import keras

from keras_mlpmix.errors import (
    InvalidTypeError,
    InvalidValueError,
    MissingDependencyError,
)
from keras_mlpmix.layers.argument_checks import check_pair
from keras_mlpmix.models import preset_files, presets
from keras_mlpmix.weights.checkpoint_files import fetch
from keras_mlpmix.weights.loading import LoadReport, load_checkpoint

logger = logging.getLogger("keras_mlpmix")

HUB_PREFIX = "hf://"
# Overrides that keep the shapes of a preset's weights (a checkpoint's patch-tied
# weights are resized to a new image size, see `patch_grid`).
WEIGHT_PRESERVING_OVERRIDES = frozenset({
    "image_size", "dropout_rate", "drop_path_rate", "layer_norm_epsilon",
    "gate_layer_norm_epsilon", "approximate_gelu", "dtype", "name", "trainable",
})  # fmt: skip
# Weight files a folder may hold, most preferred first.
_FILE_KINDS = ((".weights.h5",), (".safetensors",), (".npz",), (".pth", ".pt", ".bin"))


def open_preset(preset):
    """Opens a built-in preset name, a preset folder or an `hf://` handle.

    Raises `TypeError` for neither a string nor a path, `ValueError` for an unknown one.
    """
    if not isinstance(preset, (str, os.PathLike)):
        raise InvalidTypeError(
            "`preset` must be a built-in preset name, a preset folder or an "
            f"'hf://owner/repo' handle. Received: preset={preset!r} of type "
            f"{type(preset).__name__}."
        )
    location = os.fspath(preset)
    if location.startswith(HUB_PREFIX):
        folder = _hub().snapshot_download(location.removeprefix(HUB_PREFIX))
        if not preset_files.is_preset_directory(folder):
            raise InvalidValueError(
                f"The hub repository {location!r} holds no {preset_files.CONFIG_FILE} "
                "of a keras-mlpmix preset. For a checkpoint file (such as timm's "
                "model.safetensors), name the architecture and pass the handle as "
                f"weights: from_preset('<preset>', weights={location!r})."
            )
        return PresetDirectory(folder, handle=location)
    if location in presets.PRESETS or not os.path.isdir(location):
        return BuiltinPreset(location)  # An unknown name raises, listing the presets.
    if preset_files.is_preset_directory(location):
        return PresetDirectory(location)
    raise InvalidValueError(
        f"The folder {location!r} holds no {preset_files.CONFIG_FILE}: it is not "
        "a preset folder (write one with `save_to_preset`). To load a "
        "checkpoint file into a built-in architecture, pass it as `weights=`."
    )


def _check_family(cls, requested, preset: str):
    if not issubclass(cls, requested):
        own = presets.preset_names(requested.__name__)
        raise InvalidValueError(
            f"Preset {preset!r} is a {cls.__name__} preset; "
            f"{requested.__name__}.from_preset() builds only {requested.__name__} "
            f"presets{': ' + ', '.join(own) if own else ''}. Use "
            f"{cls.__name__}.from_preset() or Backbone.from_preset()."
        )
    return cls


def _check_weights_argument(weights):
    if weights is not None and not isinstance(weights, (bool, str, os.PathLike)):
        raise InvalidTypeError(
            "`weights` must be None, True, False, a path or an 'hf://owner/repo' "
            f"handle. Received: weights={weights!r} of type {type(weights).__name__}."
        )


def _check_preserving(preset: str, overrides: dict):
    reshaping = sorted(set(overrides) - WEIGHT_PRESERVING_OVERRIDES)
    if reshaping:
        raise InvalidValueError(
            f"The weights of {preset!r} fit its architecture; the overrides "
            f"{reshaping} change the shapes of its weights. Pass weights=False to "
            "build that architecture with fresh weights."
        )


class BuiltinPreset:
    """A row of `presets.PRESETS`."""

    def __init__(self, name: str):
        self.name = name
        self.row = presets.get_preset(name)

    def backbone_class(self, requested):
        cls = keras.saving.get_registered_object(f"keras_mlpmix>{self.row['backbone']}")
        return _check_family(cls, requested, self.name)

    def backbone_config(self, overrides: dict) -> dict:
        return {"image_size": self.row["image_size"], **self.row["config"], **overrides}

    def weights_loader(self, weights, overrides: dict):
        _check_weights_argument(weights)
        if isinstance(weights, (str, os.PathLike)):
            return file_loader(os.fspath(weights))
        source = self.row["weights"]
        if weights is None:
            weights = source is not None
        if not weights:
            return None
        if source is None:
            raise InvalidValueError(
                f"Preset {self.name!r} has no pretrained weights. Presets with "
                f"pretrained weights: {', '.join(presets.pretrained_names())}."
            )
        _check_preserving(self.name, overrides)
        return CheckpointDownload(self.name, **source)

    def classifier_defaults(self) -> dict:
        return {
            "num_classes": self.row["num_classes"],
            "pooling": "avg",
            "dropout_rate": self.row["head_dropout_rate"],
            "head_dtype": None,
            "preprocessor": None,
        }

    def metadata(self) -> dict:
        """What `save_to_preset` records of a model built from this preset."""
        return {
            "source": self.row["source"],
            "license": self.row["license"],
            "description": self.row["description"],
            "mean": list(self.row["mean"]),
            "std": list(self.row["std"]),
            "preset": self.name,
        }


class PresetDirectory:
    """A preset folder written by `save_to_preset`."""

    def __init__(self, path: str, handle: str | None = None):
        self.path = path
        self.name = handle or path
        self.config = preset_files.read_json(path, preset_files.CONFIG_FILE)
        self.cls = preset_files.serialized_class(
            self.config, os.path.join(path, preset_files.CONFIG_FILE)
        )
        self.saved_metadata = preset_files.read_json(path, preset_files.METADATA_FILE)
        task_file = preset_files.TASK_CONFIG_FILE
        self.task = None
        if os.path.isfile(os.path.join(path, task_file)):
            self.task = preset_files.read_json(path, task_file)["config"]

    def backbone_class(self, requested):
        return _check_family(self.cls, requested, self.name)

    def backbone_config(self, overrides: dict) -> dict:
        config = {**self.config["config"]}
        if "image_size" in overrides and check_pair(
            "image_size", overrides["image_size"]
        ) != check_pair("image_size", config["image_size"]):
            raise InvalidValueError(
                f"The preset folder {self.name!r} holds weights for image_size="
                f"{tuple(config['image_size'])}; it loads at that size. To resize "
                "the patch-tied weights to another, export them with "
                "`export_checkpoint` and load that file as `weights=` of a model "
                "built at the new size."
            )
        return {**config, **overrides}

    def weights_loader(self, weights, overrides: dict):
        _check_weights_argument(weights)
        if isinstance(weights, (str, os.PathLike)):
            return file_loader(os.fspath(weights))
        if weights is False:
            return None
        _check_preserving(self.name, overrides)
        return DirectoryWeights(self.path, self.task)

    def classifier_defaults(self) -> dict:
        saved = self.task
        if saved is None:
            saved = {
                "num_classes": self.saved_metadata.get("num_classes") or 1000,
                "pooling": "avg",
                "dropout_rate": 0.0,
                "head_dtype": None,
            }
        saved = {"preprocessor": None, **saved}
        keys = ("num_classes", "pooling", "dropout_rate", "head_dtype", "preprocessor")
        return {key: saved[key] for key in keys}

    def metadata(self) -> dict:
        keep = ("source", "license", "description", "mean", "std", "class_names")
        return {key: self.saved_metadata.get(key) for key in (*keep, "preset")}


@dataclasses.dataclass(frozen=True)
class CheckpointDownload:
    """A built-in preset's published checkpoint, fetched once into the cache."""

    preset: str
    url: str
    format: str
    sha256: str | None

    def load(self, model) -> LoadReport:
        name = f"{self.preset}.{self.format}"
        path = fetch(self.url, name, format=self.format, sha256=self.sha256)
        return load_checkpoint(model, path, interpolate_patch_grid=True)


@dataclasses.dataclass(frozen=True)
class WeightsFile:
    """An official or timm checkpoint, or a `.weights.h5` of the same architecture."""

    path: str

    def load(self, model) -> LoadReport:
        if not self.path.endswith(".weights.h5"):
            return load_checkpoint(model, self.path, interpolate_patch_grid=True)
        model.load_weights(self.path)
        report = LoadReport(self.path, "keras", tuple(w.path for w in model.weights))
        logger.info("%s", report)
        return report


@dataclasses.dataclass(frozen=True)
class DirectoryWeights:
    """A preset folder's weights: the backbone's, and the head if it fits."""

    path: str
    task: dict | None

    def load(self, model) -> LoadReport:
        backbone = getattr(model, "backbone", model)
        backbone.load_weights(os.path.join(self.path, preset_files.MODEL_WEIGHTS_FILE))
        loaded = [weight.path for weight in backbone.weights]
        head = [w.path for w in model.weights if w.path not in set(loaded)]
        task_weights = os.path.join(self.path, preset_files.TASK_WEIGHTS_FILE)
        if (
            backbone is not model
            and self.task is not None
            and os.path.isfile(task_weights)
            and self.task["num_classes"] == model.num_classes
        ):
            preset_files.load_task_weights(model, task_weights)
            loaded += head
            head = []
        report = LoadReport(self.path, "keras", tuple(loaded), kept_initial=tuple(head))
        logger.info("%s", report)
        return report


def file_loader(location: str):
    """The loader of a weights file, a folder holding one, or an `hf://` repo."""
    if location.startswith(HUB_PREFIX):
        repo_id = location.removeprefix(HUB_PREFIX)
        hub = _hub()
        names = hub.list_repo_files(repo_id)
        path = hub.hf_hub_download(repo_id, _choose(names, location))
    elif preset_files.is_preset_directory(location):
        return DirectoryWeights(location, PresetDirectory(location).task)
    elif os.path.isdir(location):
        path = os.path.join(location, _choose(os.listdir(location), location))
    elif os.path.isfile(location):
        path = location
    else:
        raise InvalidValueError(f"No weights file or folder at {location!r}.")
    return WeightsFile(path)


def _choose(names, where: str) -> str:
    """The weights file among `names`, by the preference of `_FILE_KINDS`."""
    for suffixes in _FILE_KINDS:
        found = sorted(name for name in names if name.endswith(suffixes))
        if len(found) == 1:
            return found[0]
        if found:
            raise InvalidValueError(
                f"{where!r} holds several weights files of one kind: {found}. "
                "Pass the path of the one to load."
            )
    kinds = ", ".join(suffix for suffixes in _FILE_KINDS for suffix in suffixes)
    raise InvalidValueError(f"{where!r} holds no weights file ({kinds}).")


def _hub():
    try:
        import huggingface_hub
    except ImportError as error:
        raise MissingDependencyError(
            "Loading from an 'hf://' handle needs huggingface_hub: "
            "`pip install 'keras-mlpmix[hub]'`."
        ) from error
    return huggingface_hub


@functools.cache
def _backbone_parameters(backbone: str, config: tuple) -> int:
    with keras.StatelessScope(initialize_variables=False):
        cls = keras.saving.get_registered_object(f"keras_mlpmix>{backbone}")
        count = cls(**dict(config)).count_params()
    keras.backend.clear_session(free_memory=False)
    return count


def parameter_count(name: str) -> int:
    """Weights of a built-in preset's classifier: its backbone and its head.

    Built with shapes only (under a second for Mixer-H/14), cached per architecture.

    Args:
        name: A built-in preset name.

    Example:

    >>> from keras_mlpmix.models.preset_sources import parameter_count
    >>> parameter_count("mixer_b16_224")  # Tolstikhin et al., 2021: 59.88M
    59880472
    """
    row = presets.get_preset(name)
    config = {"image_size": row["image_size"], **row["config"]}
    config.pop("approximate_gelu", None)  # no weights depend on it
    hashable = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
    backbone = _backbone_parameters(row["backbone"], tuple(sorted(hashable.items())))
    return backbone + (row["config"]["hidden_dim"] + 1) * row["num_classes"]
