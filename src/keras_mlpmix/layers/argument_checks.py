"""Validation of constructor arguments and input shapes.

Every check raises an error that names the argument, the value received and
what would be valid, so that a mistake is reported where it is made rather
than as a shape error deep inside a backend.
"""

from __future__ import annotations

import numbers


def check_positive_int(name: str, value: object) -> int:
    """Returns `value` if it is an integer >= 1, else raises.

    Raises:
        TypeError: if `value` is not an integer (booleans are rejected).
        ValueError: if `value` is smaller than 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{name}` must be a positive integer. "
            f"Received: {name}={value!r} of type {type(value).__name__}."
        )
    if value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value}."
        )
    return int(value)


def check_rate(name: str, value: object) -> float:
    """Returns `value` as a float if it lies in [0, 1), else raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a float in [0, 1). "
            f"Received: {name}={value!r} of type {type(value).__name__}."
        )
    if not 0.0 <= value < 1.0:
        raise ValueError(
            f"`{name}` must be a float in [0, 1). Received: {name}={value}."
        )
    return float(value)


def check_epsilon(name: str, value: object) -> float:
    """Returns `value` as a float if it is a positive number, else raises."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{name}` must be a positive float. "
            f"Received: {name}={value!r} of type {type(value).__name__}."
        )
    if not value > 0:
        raise ValueError(
            f"`{name}` must be a positive float. Received: {name}={value}."
        )
    return float(value)


def check_pair(name: str, value: object) -> tuple[int, int]:
    """Returns `value` as `(height, width)`; accepts an int or two ints."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(
                f"`{name}` must be an int or a pair of ints (height, width). "
                f"Received: {name}={value!r}."
            )
        return (check_positive_int(name, value[0]), check_positive_int(name, value[1]))
    size = check_positive_int(name, value)
    return (size, size)


def check_rank(layer_name: str, input_shape: tuple, rank: int, layout: str) -> None:
    """Raises if `input_shape` does not have `rank` dimensions."""
    if len(input_shape) != rank:
        raise ValueError(
            f"{layer_name} expects inputs of rank {rank} with layout {layout}. "
            f"Received: input_shape={tuple(input_shape)}."
        )


def check_known_dims(layer_name: str, input_shape: tuple, axes: dict[int, str]) -> None:
    """Raises if any of the named `axes` of `input_shape` is unknown (None)."""
    for axis, axis_name in axes.items():
        if input_shape[axis] is None:
            raise ValueError(
                f"{layer_name} needs a known {axis_name} dimension (axis {axis}) "
                f"to create its weights. Received: input_shape={tuple(input_shape)}."
            )
