"""The `--backend` option: run a command on another Keras backend.

Keras chooses its backend once, when it is first imported, from
`KERAS_BACKEND` (or `~/.keras/keras.json`), and importing `keras_mlpmix`
imports Keras. A command asked to run on another backend therefore starts
itself again, as `python -m keras_mlpmix` with the same arguments and
`KERAS_BACKEND` set, in place of the current process.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import keras

from keras_mlpmix.cli.command_error import CommandError

BACKENDS = ("tensorflow", "jax", "torch")


def add_backend_argument(parser) -> None:
    """Adds `--backend` to a subcommand's parser."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="Keras backend to run on; the command restarts itself with "
        "KERAS_BACKEND set when it differs from the loaded one (default: the "
        f"backend Keras loaded, here {keras.backend.backend()}).",
    )


def switch_backend(requested: str | None, argv: list[str]) -> None:
    """Returns if `requested` is None or loaded, else re-executes on it.

    Args:
        requested: The backend asked for, or None for the loaded one.
        argv: The command's arguments, passed on unchanged.

    Raises:
        CommandError: if the backend is not installed, or if
            `KERAS_BACKEND` already names it and Keras loaded another.
    """
    loaded = keras.backend.backend()
    if requested is None or requested == loaded:
        return
    if importlib.util.find_spec(requested) is None:
        raise CommandError(
            f"The {requested} backend is not installed: "
            f"pip install 'keras-mlpmix[{requested}]'."
        )
    if os.environ.get("KERAS_BACKEND") == requested:
        raise CommandError(
            f"KERAS_BACKEND is {requested} but Keras loaded the {loaded} backend; "
            "Keras was imported before the variable was set."
        )
    sys.stdout.flush()
    sys.stderr.flush()
    environment = {**os.environ, "KERAS_BACKEND": requested}
    os.execve(
        sys.executable, [sys.executable, "-m", "keras_mlpmix", *argv], environment
    )
