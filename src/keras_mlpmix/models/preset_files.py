"""Preset folders on disk, in the layout of keras-hub's `utils/preset_utils.py`.

Unlike keras-hub's, `metadata.json` records `keras_mlpmix_version` and our own fields, a
classifier's preprocessing is saved inside `task.json` (no `preprocessor.json`), and
weights are never sharded.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import numbers
import os
import shutil
import tempfile

import keras

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError, one_line
from keras_mlpmix.layers.argument_checks import check_keywords
from keras_mlpmix.version import __version__

CONFIG_FILE = "config.json"
MODEL_WEIGHTS_FILE = "model.weights.h5"
TASK_CONFIG_FILE = "task.json"
TASK_WEIGHTS_FILE = "task.weights.h5"
METADATA_FILE = "metadata.json"

# What `save_to_preset(**metadata)` may record.
METADATA_FIELDS = ("source", "license", "description", "class_names", "mean", "std")


class PresetFileError(InvalidValueError):
    """A preset folder that is incomplete or holds a file that is not what it must be."""


def is_preset_directory(path) -> bool:
    """Whether `path` is a folder holding a preset's `config.json`."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, CONFIG_FILE))


def read_json(directory, file_name: str) -> dict:
    """The JSON object in `directory/file_name`, or a `PresetFileError` saying why not."""
    path = os.path.join(directory, file_name)
    try:
        with open(path, encoding="utf-8") as file:
            content = json.load(file)
    except FileNotFoundError as error:
        raise PresetFileError(
            f"The preset folder {os.fspath(directory)!r} has no {file_name}."
        ) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise PresetFileError(
            f"{path!r} is not valid JSON ({error}); the preset folder is damaged."
        ) from error
    if not isinstance(content, dict):
        raise PresetFileError(f"{path!r} does not hold a JSON object.")
    return content


def serialized_class(config: dict, path: str):
    """The registered Keras class a serialised object (`config.json`) names."""
    name = config.get("registered_name")
    if not isinstance(name, str) or not isinstance(config.get("config"), dict):
        raise PresetFileError(
            f"{path!r} is not a Keras-serialised object (it lacks `registered_name` "
            "or `config`); write preset folders with `save_to_preset`."
        )
    cls = keras.saving.get_registered_object(name)
    if cls is None:
        raise PresetFileError(
            f"{path!r} names the class {name!r}, which is not registered with "
            "Keras; import the package that defines it first."
        )
    return cls


def recorded_metadata(defaults: dict, given: dict, num_classes: int | None) -> dict:
    """Validates `save_to_preset`'s `**metadata` (`given`) and lays it over `defaults`.

    `defaults` is `model.preset_metadata`; its class names are dropped if they no
    longer match the classes. Raises `TypeError` for an unknown field or a value of the
    wrong type, `ValueError` for class names that do not match or a bad `mean`/`std`.
    """
    check_keywords("save_to_preset", given, METADATA_FIELDS)
    checked = {}
    for field in ("source", "license", "description"):
        value = given.get(field)
        if value is not None and not isinstance(value, str):
            raise InvalidTypeError(
                f"`{field}` must be a string or None. Received: {field}={value!r}."
            )
        checked[field] = value
    names = given.get("class_names")
    if names is not None:
        if num_classes is None:
            raise InvalidTypeError(
                "`class_names` applies to a classifier, not a backbone."
            )
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise InvalidTypeError(
                "`class_names` must be a sequence of strings. Received: "
                f"class_names={names!r}."
            )
        names = list(names)
        if len(names) != num_classes:
            raise InvalidValueError(
                f"`class_names` must name each of the {num_classes} classes. "
                f"Received {len(names)} names."
            )
    checked["class_names"] = names
    for field, positive in (("mean", False), ("std", True)):
        value = given.get(field)
        if value is not None:
            if (
                not isinstance(value, (list, tuple))
                or len(value) != 3
                or not all(
                    isinstance(v, numbers.Real)
                    and not isinstance(v, bool)
                    and math.isfinite(v)
                    and (v > 0 or not positive)
                    for v in value
                )
            ):
                raise InvalidValueError(
                    f"`{field}` must be three finite numbers, one per channel"
                    f"{' and positive' if positive else ''}. Received: "
                    f"{field}={value!r}."
                )
            value = [float(v) for v in value]
        checked[field] = value
    recorded = {
        field: checked[field] if field in given else defaults.get(field)
        for field in METADATA_FIELDS
    }
    names = recorded["class_names"]
    if num_classes is None or (names is not None and len(names) != num_classes):
        recorded["class_names"] = None
    if num_classes is None:
        del recorded["class_names"]
    recorded["preset"] = defaults.get("preset")
    return recorded


def _stripped(config):
    """A Keras serialisation without its build and compile states."""
    if not isinstance(config, dict):
        return config
    states = ("compile_config", "build_config")
    return {key: _stripped(value) for key, value in config.items() if key not in states}


def _write_json(path, content) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(content, file, indent=4)
        file.write("\n")


@contextlib.contextmanager
def _new_directory(directory, overwrite: bool):
    """Yields a temporary folder that replaces `directory` once written whole."""
    directory = os.fspath(directory)
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InvalidValueError(f"{directory!r} is a file, not a folder.")
    if os.path.isdir(directory) and os.listdir(directory) and not overwrite:
        raise InvalidValueError(
            f"The folder {directory!r} is not empty; pass overwrite=True to replace "
            "what it holds, or choose another folder."
        )
    parent = os.path.dirname(os.path.abspath(directory))
    os.makedirs(parent, exist_ok=True)
    partial = tempfile.mkdtemp(prefix=".preset-", dir=parent)
    try:
        yield partial
        if os.path.isdir(directory):
            shutil.rmtree(directory)
        os.replace(partial, directory)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def write_preset(model, directory, overwrite: bool, metadata: dict) -> None:
    """Writes the preset folder of a backbone or a classifier, whole or not at all.

    A backbone's `config.json`, `model.weights.h5` and `metadata.json`; a classifier
    also writes `task.json` and `task.weights.h5` and records its classes.

    Args:
        model: A `Backbone` or an `ImageClassifier`.
        directory: The folder; see `Backbone.save_to_preset`.
        overwrite: Whether to replace a non-empty folder's files.
        metadata: What `recorded_metadata` returned.
    """
    backbone = getattr(model, "backbone", model)
    with _new_directory(directory, overwrite) as folder:
        config = keras.saving.serialize_keras_object(backbone)
        _write_json(os.path.join(folder, CONFIG_FILE), _stripped(config))
        backbone.save_weights(os.path.join(folder, MODEL_WEIGHTS_FILE))
        if model is not backbone:
            task = keras.saving.serialize_keras_object(model)
            _write_json(os.path.join(folder, TASK_CONFIG_FILE), _stripped(task))
            task_weights = os.path.join(folder, TASK_WEIGHTS_FILE)
            skip = list(backbone._flatten_layers())
            keras.saving.save_weights(model, task_weights, objects_to_skip=skip)
            metadata = {"num_classes": model.num_classes, **metadata}
        saved = {
            "keras_version": keras.__version__,
            "keras_mlpmix_version": __version__,
            "parameter_count": model.count_params(),
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "tasks": ["ImageClassifier"],
            "backbone": type(backbone).__name__,
            "image_size": list(backbone.image_size),
            **metadata,
        }
        _write_json(os.path.join(folder, METADATA_FILE), saved)


def load_task_weights(classifier, path) -> None:
    """Loads a classifier's non-backbone weights from `path`, all or nothing."""
    backbone = set(id(v) for v in classifier.backbone.variables)
    own = [v for v in classifier.variables if id(v) not in backbone]
    before = [variable.numpy() for variable in own]
    skip = list(classifier.backbone._flatten_layers())
    try:
        keras.saving.load_weights(classifier, path, objects_to_skip=skip)
    except Exception as error:
        for variable, value in zip(own, before, strict=True):
            variable.assign(value)
        raise PresetFileError(
            f"Could not load the head of {classifier.describe()} from {str(path)!r}: "
            f"{one_line(error)} Nothing was loaded."
        ) from error
