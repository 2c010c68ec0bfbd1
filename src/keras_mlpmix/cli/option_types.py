"""Argument types of the command line's numeric options."""

from __future__ import annotations

import argparse
import math


def _number(text: str, convert, valid, expected: str):
    """`convert(text)` if it parses and `valid` accepts it, else argparse's error."""
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1, for argparse's `type=`."""
    return _number(text, int, lambda value: value >= 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """An integer >= 0, for argparse's `type=`."""
    return _number(text, int, lambda value: value >= 0, "an integer >= 0")


def non_negative_float(text: str) -> float:
    """A finite float >= 0, for argparse's `type=`."""
    return _number(text, float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")


def positive_float(text: str) -> float:
    """A finite float > 0, for argparse's `type=`."""
    return _number(text, non_negative_float, lambda value: value > 0, "a number > 0")


def fraction(text: str) -> float:
    """A float in (0, 1), for argparse's `type=`."""
    return _number(text, non_negative_float, lambda v: 0 < v < 1, "a number in (0, 1)")
