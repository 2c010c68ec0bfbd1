"""Which Keras backend a process gets when nothing chose one.

Keras reads its backend once, when it is first imported: from the
`KERAS_BACKEND` environment variable, else from the `"backend"` entry of
`keras.json` in the Keras home folder (`KERAS_HOME`, by default
`~/.keras`), else TensorFlow. A fresh environment with only JAX or only
PyTorch installed would fail there. So when `keras_mlpmix` is imported
before Keras, `KERAS_BACKEND` is unset and the backend Keras would pick is
not installed, the first installed one of JAX, PyTorch and TensorFlow is
chosen, by setting `KERAS_BACKEND`; the `keras-mlpmix` command says so in
its first line, and the `keras_mlpmix` logger at INFO level. A backend
someone set is never changed. This module imports no Keras.
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
        backend: `"jax"`, `"torch"` or `"tensorflow"` (or another name set
            in `KERAS_BACKEND`).
        chosen_here: True when this module chose it, because nothing else
            did and Keras's default is not installed.
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

    The first call decides; later ones return the same `Choice`. Once Keras
    is imported its backend is fixed, and that is the choice.

    Example:

    >>> from keras_mlpmix import backend_choice
    >>> choice = backend_choice.choose()
    >>> choice.backend in backend_choice.BACKENDS
    True
    """
    if _CHOICE:
        return _CHOICE[0]
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
    """Why Keras cannot start here, or None if the backend it would load is installed."""
    backend, origin = configured_backend()
    if backend in BACKENDS and not is_installed(backend):
        return (
            f"Keras would run on {backend} ({origin}), which is not installed. "
            "Install a backend with one of pip install 'keras-mlpmix[jax]', "
            "'keras-mlpmix[torch]' or 'keras-mlpmix[tensorflow]', or set "
            "KERAS_BACKEND to an installed one."
        )
    return None
