"""Which Keras backend a process gets when nothing chose one; imports no Keras.

If `KERAS_BACKEND` is unset and the backend Keras would pick (from `keras.json`, else
TensorFlow) is not installed, the first installed of JAX, PyTorch, TensorFlow is set.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import os
import sys

logger = logging.getLogger("keras_mlpmix")

BACKENDS = ("jax", "torch", "tensorflow")  # The order in which one is chosen.


@dataclasses.dataclass(frozen=True)
class Choice:
    """The backend a process will run on, and how it was decided.

    Attributes:
        backend: `"jax"`, `"torch"`, `"tensorflow"` (or another `KERAS_BACKEND`).
        chosen_here: True when this module chose it, as Keras's default is absent.
        reason: One sentence on how the backend was decided.
    """

    backend: str
    chosen_here: bool
    reason: str


def is_installed(backend: str) -> bool:
    """Whether the package of `backend` can be imported."""
    return importlib.util.find_spec(backend) is not None


def configured_backend() -> tuple[str, str]:
    """The backend Keras would load now, and where that comes from."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    try:
        with open(os.path.join(home, "keras.json")) as file:
            backend = json.load(file).get("backend")
    except (OSError, ValueError, AttributeError):
        backend = None
    if isinstance(backend, str) and backend:
        return backend, os.path.join(home, "keras.json")
    return "tensorflow", "Keras's default"


_CHOICE: list[Choice] = []  # The first decision of the process, kept.


def choose() -> Choice:
    """Decides the backend, setting `KERAS_BACKEND` when Keras's own pick is absent.

    The first call decides and later ones return its `Choice`; if Keras is already
    imported, its backend is the choice.

    Example:

    >>> from keras_mlpmix import backend_choice
    >>> choice = backend_choice.choose()
    >>> choice.backend in backend_choice.BACKENDS
    True
    """
    if not _CHOICE:
        _CHOICE.append(_decide())
    return _CHOICE[0]


def _decide() -> Choice:
    if sys.modules.get("keras") is not None:
        backend = sys.modules["keras"].backend.backend()
        return Choice(backend, False, "Keras was imported before keras_mlpmix.")
    backend, origin = configured_backend()
    if origin == "KERAS_BACKEND" or is_installed(backend):
        return Choice(backend, False, f"{backend} comes from {origin}.")
    installed = [name for name in BACKENDS if is_installed(name)]
    if not installed:
        return Choice(backend, False, f"{backend} comes from {origin}.")
    os.environ["KERAS_BACKEND"] = installed[0]
    choice = Choice(
        installed[0],
        True,
        f"using the {installed[0]} backend: KERAS_BACKEND is not set and {backend} "
        f"({origin}) is not installed; set KERAS_BACKEND to choose another.",
    )
    logger.info("%s", choice.reason)
    return choice


def missing_backend_message() -> str | None:
    """Why Keras cannot start here, or None if the backend it would load is there."""
    backend, origin = configured_backend()
    if backend in BACKENDS and not is_installed(backend):
        return (
            f"Keras would run on {backend} ({origin}), which is not installed. "
            "Install a backend with one of pip install 'keras-mlpmix[jax]', "
            "'keras-mlpmix[torch]' or 'keras-mlpmix[tensorflow]', or set "
            "KERAS_BACKEND to an installed one."
        )
    return None
