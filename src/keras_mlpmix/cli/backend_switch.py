"""The `--backend` option, and the backend a command runs on when none is given.

Keras chooses its backend once, when it is first imported, so the command
line reads `--backend` before anything imports Keras and sets
`KERAS_BACKEND` from it. Without `--backend`, the backend is
`keras_mlpmix.backend_choice`'s: `KERAS_BACKEND`, `keras.json`, Keras's
default, or, when that is not installed, an installed one, which the
command names in its first line. Only where Keras is already imported (a
command run in-process, as the tests do) does a command asked for another
backend start itself again, as `python -m keras_mlpmix` with the same
arguments and `KERAS_BACKEND` set. This module imports no Keras.
"""

from __future__ import annotations

import os
import sys

from keras_mlpmix import backend_choice
from keras_mlpmix.cli.command_error import CommandError

BACKENDS = ("tensorflow", "jax", "torch")


def add_backend_argument(parser) -> None:
    """Adds `--backend` to a subcommand's parser."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="Keras backend to run on (default: KERAS_BACKEND if set, else "
        "Keras's configured backend, else an installed one, named in the first "
        "line of output)",
    )


def use_backend(requested: str | None, argv: list[str]) -> None:
    """Makes the command run on `requested`, or on the process's backend if None.

    Prints one line when the backend was chosen because nothing named one
    and Keras's default is not installed.

    Args:
        requested: The backend asked for with `--backend`, or None.
        argv: The command's arguments, passed on if it must restart.

    Raises:
        CommandError: if the backend is not installed, or if no backend is.
    """
    if requested is not None and not backend_choice.is_installed(requested):
        raise CommandError(
            f"The {requested} backend is not installed: "
            f"pip install 'keras-mlpmix[{requested}]'."
        )
    if sys.modules.get("keras") is not None:
        loaded = sys.modules["keras"].backend.backend()
        if requested is not None and requested != loaded:
            _restart(requested, loaded, argv)
        return
    if requested is not None:
        os.environ["KERAS_BACKEND"] = requested
        return
    choice = backend_choice.choose()
    if choice.chosen_here:
        print(f"keras-mlpmix: {choice.reason}", flush=True)
    problem = backend_choice.missing_backend_message()
    if problem is not None:
        raise CommandError(problem)


def _restart(requested: str, loaded: str, argv: list[str]) -> None:
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
