"""Checks of constructor arguments and input shapes, and configs of the arguments.

Errors name the argument, the value received and what is valid. Integers may be
Python or NumPy integers; booleans are never numbers, nor strings booleans.
"""

from __future__ import annotations

import difflib
import inspect
import math
import numbers

import keras
import numpy as np

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError

# The largest size of one axis that every backend indexes (int32).
MAX_SIZE = 2**31 - 1

# Keyword arguments that `keras.layers.Layer.__init__` itself accepts.
LAYER_KEYWORDS = frozenset(
    {"name", "dtype", "trainable", "autocast", "activity_regularizer"}
)


def _describe(name: str, value: object) -> str:
    return f"{name}={value!r} of type {type(value).__name__}"


def _check_number(name: str, value: object, kind: type, wanted: str) -> None:
    """Raises TypeError unless `value` is a `kind` number (booleans are not)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        raise InvalidTypeError(
            f"`{name}` must be {wanted}. Received: {_describe(name, value)}."
        )


def check_int(name: str, value: object, minimum: int = 1, maximum: int = MAX_SIZE):
    """Returns `value` as an int if it is an integer in `[minimum, maximum]`."""
    wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    _check_number(name, value, numbers.Integral, wanted)
    if not minimum <= value <= maximum:
        raise InvalidValueError(
            f"`{name}` must be {wanted}, at most {maximum}. Received: {name}={value}."
        )
    return int(value)


def check_positive_int(name: str, value: object) -> int:
    """Returns `value` if it is an integer in `[1, 2**31 - 1]`, else raises."""
    return check_int(name, value, minimum=1)


def check_bool(name: str, value: object) -> bool:
    """Returns `value` if it is a boolean (Python or NumPy), else raises TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidTypeError(
            f"`{name}` must be True or False. Received: {_describe(name, value)}."
        )
    return bool(value)


def _check_real(name: str, value: object, valid, wanted: str) -> float:
    """Returns `value` as a float if it is a real number that `valid` accepts."""
    _check_number(name, value, numbers.Real, wanted)
    if not valid(value):
        raise InvalidValueError(f"`{name}` must be {wanted}. Received: {name}={value}.")
    return float(value)


def check_float(name: str, value: object) -> float:
    """Returns `value` as a float if it is a finite real number, else raises."""
    return _check_real(name, value, math.isfinite, "a finite number")


def check_rate(name: str, value: object) -> float:
    """Returns `value` as a float if it lies in [0, 1), else raises."""
    return _check_real(name, value, lambda v: 0 <= v < 1, "a float in [0, 1)")


def check_epsilon(name: str, value: object) -> float:
    """Returns `value` as a float if it is a finite positive number, else raises."""
    return _check_real(
        name, value, lambda v: 0 < v < math.inf, "a finite positive float"
    )


def check_pair(name: str, value: object) -> tuple[int, int]:
    """Returns `value` as `(height, width)`; accepts an int or two ints."""
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != 2:
            raise InvalidValueError(
                f"`{name}` must be an int or a pair of ints (height, width). "
                f"Received: {name}={value!r}."
            )
        return (check_positive_int(name, value[0]), check_positive_int(name, value[1]))
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        size = check_positive_int(name, value)
        return (size, size)
    raise InvalidTypeError(
        f"`{name}` must be an int or a pair of ints (height, width). "
        f"Received: {_describe(name, value)}."
    )


def check_patch_multiple(image_size: tuple, patch_size: tuple) -> None:
    """Raises unless the image height and width are multiples of the patch's."""
    for axis, size, patch in zip(
        ("height", "width"), image_size, patch_size, strict=True
    ):
        if size % patch:
            below = size - size % patch
            raise InvalidValueError(
                f"The image {axis} must be a multiple of the patch size. "
                f"Received: image_size={image_size}, patch_size={patch_size}. "
                f"Valid image {axis}s are multiples of {patch}, e.g. "
                f"{below or patch} or {below + patch}."
            )


def check_choice(name: str, value: object, choices) -> object:
    """Returns `value` if it is one of `choices`, else raises ValueError."""
    choices = tuple(choices)
    if not isinstance(value, (str, type(None))) or value not in choices:
        raise InvalidValueError(
            f"`{name}` must be one of {choices}. Received: {name}={value!r}."
        )
    return value


def check_dtype_policy(name: str, value: object):
    """Returns `value` as a Keras dtype policy (None stays None), else raises."""
    if value is None:
        return None
    try:
        return keras.dtype_policies.get(value)
    except (ValueError, TypeError) as error:
        raise InvalidValueError(
            f"`{name}` must be a Keras dtype policy such as 'float32' or "
            f"'mixed_bfloat16'. Received: {name}={value!r} ({error})."
        ) from error


def check_keywords(owner: str, kwargs: dict, valid) -> None:
    """Raises TypeError on a key of `kwargs` not in `valid`, suggesting the closest."""
    valid = sorted(set(valid))
    for key in kwargs:
        if key in valid:
            continue
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise InvalidTypeError(
            f"{owner} got an unexpected keyword argument `{key}`.{hint} "
            f"Valid arguments: {', '.join(valid)}."
        )


def check_layer_keywords(layer_cls, kwargs: dict) -> None:
    """`check_keywords` for a layer's `**kwargs`; suggests the layer's own arguments."""
    if set(kwargs) - LAYER_KEYWORDS:
        own = set(own_arguments(layer_cls.__init__))
        check_keywords(layer_cls.__name__, kwargs, own | LAYER_KEYWORDS)


def own_arguments(function) -> list[str]:
    """The named arguments of `function` (a constructor), in order, but `self`."""
    parameters = inspect.signature(function).parameters.values()
    variable = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [p.name for p in parameters if p.name != "self" and p.kind not in variable]


_SERIALISED = (
    keras.layers.Layer,
    keras.initializers.Initializer,
    keras.dtype_policies.DTypePolicy,
)


def arguments_config(layer) -> dict:
    """The constructor arguments of `layer`, read from the attributes of their names.

    Layers, initializers and dtype policies among them are serialised, as
    `get_config` requires.
    """
    config = {}
    for name in own_arguments(type(layer).__init__):
        value = getattr(layer, name)
        if isinstance(value, _SERIALISED):
            value = keras.saving.serialize_keras_object(value)
        config[name] = value
    return config


def check_rank(layer_name: str, input_shape: tuple, rank: int, layout: str) -> None:
    """Raises if `input_shape` does not have `rank` dimensions."""
    if len(input_shape) != rank:
        raise InvalidValueError(
            f"{layer_name} expects inputs of rank {rank} with layout {layout}. "
            f"Received: input_shape={tuple(input_shape)}."
        )


def check_known_dims(layer_name: str, input_shape: tuple, axes: dict[int, str]) -> None:
    """Raises if any of the named `axes` of `input_shape` is unknown (None)."""
    for axis, axis_name in axes.items():
        if input_shape[axis] is None:
            raise InvalidValueError(
                f"{layer_name} needs a known {axis_name} dimension (axis {axis}) "
                f"to create its weights. Received: input_shape={tuple(input_shape)}."
            )
