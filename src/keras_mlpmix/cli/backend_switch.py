"""The `--backend` option, read before anything imports Keras; imports no Keras.

Without it, `keras_mlpmix.backend_choice` decides. Where Keras is already imported
(in-process runs), another backend restarts the command with `KERAS_BACKEND` set.
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
        help="Keras backend to run on (default: KERAS_BACKEND, else Keras's "
        "configured one, else an installed one, named in the first line of output)",
    )


def use_backend(requested: str | None, argv: list[str]) -> None:
    """Makes the command run on `requested`, or on the process's backend if None.

    Prints one line when the backend was chosen because Keras's default is absent.

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
