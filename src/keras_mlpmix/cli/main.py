"""The `keras-mlpmix` command. Parsing imports no Keras: `--help` needs no backend."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import pkgutil
import sys
import traceback

from keras_mlpmix import backend_choice
from keras_mlpmix.cli import commands
from keras_mlpmix.cli.options import CommandError
from keras_mlpmix.errors import UserError, one_line
from keras_mlpmix.version import __version__

PROG = "keras-mlpmix"
_ISSUES = "https://github.com/keras-mlpmix/keras-mlpmix/issues"


class _Parser(argparse.ArgumentParser):
    """Reports a usage error in one line and refuses abbreviated options (`--epoch`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole command line, one sub-parser per command module."""
    parser = _Parser(
        prog=PROG,
        description="Train, evaluate, convert and list attention-free all-MLP "
        "vision models (MLP-Mixer, FNet, gMLP, ResMLP) with Keras 3.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(
        title="commands",
        dest="command",
        metavar="COMMAND",
        required=True,
        parser_class=_Parser,
    )
    for name in sorted(info.name for info in pkgutil.iter_modules(commands.__path__)):
        module = importlib.import_module(f"{commands.__name__}.{name}")
        subparser = subparsers.add_parser(
            name,
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(subparser)
        subparser.add_argument(
            "--backend",
            choices=backend_choice.BACKENDS,
            help="Keras backend to run on (default: KERAS_BACKEND, else Keras's "
            "configured one, else an installed one, named in the first line of "
            "output)",
        )
    return parser


def use_backend(requested: str | None, argv: list[str]) -> None:
    """Makes the command run on `requested`, or on the process's backend if None.

    Called before anything imports Keras. Without `--backend`, `backend_choice`
    decides, in one printed line when Keras's default is absent. Where Keras is
    already imported (in-process runs), another backend restarts the command (with
    `argv`) with `KERAS_BACKEND` set. Raises `CommandError` if the backend is not
    installed, or if no backend is.
    """
    if requested is not None and not backend_choice.is_installed(requested):
        raise CommandError(
            f"The {requested} backend is not installed: "
            f"pip install 'keras-mlpmix[{requested}]'."
        )
    if sys.modules.get("keras") is not None:
        loaded = sys.modules["keras"].backend.backend()
        if requested is None or requested == loaded:
            return
        if os.environ.get("KERAS_BACKEND") == requested:
            raise CommandError(
                f"KERAS_BACKEND is {requested} but Keras loaded the {loaded} "
                "backend; Keras was imported before the variable was set."
            )
        sys.stdout.flush()
        sys.stderr.flush()
        environment = {**os.environ, "KERAS_BACKEND": requested}
        os.execve(
            sys.executable, [sys.executable, "-m", "keras_mlpmix", *argv], environment
        )
    if requested is not None:
        os.environ["KERAS_BACKEND"] = requested
        return
    choice = backend_choice.choose()
    if choice.chosen_here:
        print(f"keras-mlpmix: {choice.reason}", flush=True)
    problem = backend_choice.missing_backend_message()
    if problem is not None:
        raise CommandError(problem)


def _issues_url() -> str:
    try:
        urls = importlib.metadata.metadata("keras-mlpmix").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        urls = []
    found = dict(url.split(", ", 1) for url in urls if ", " in url)
    return found.get("Issues", _ISSUES)


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status.

    A `keras_mlpmix.errors.UserError` (unknown preset, missing file...) is reported
    in one line on stderr; any other exception is a bug and keeps its traceback.

    Args:
        argv: The arguments after the program name; `sys.argv[1:]` if None.

    Returns:
        0 on success, 1 on failure, 2 on a usage error, 130 when interrupted.

    Example:

    >>> from keras_mlpmix.cli import main
    >>> main(["presets"])  # as `keras-mlpmix presets` does
    name                              family    image  params (classes) ...
    mixer_s32_224                     MLPMixer  224    19,104,624 (1000) ...
    Train one with: keras-mlpmix train --preset NAME --dataset DATASET ...
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    # Hide TensorFlow's C++ start-up notes; set TF_CPP_MIN_LOG_LEVEL to see them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        use_backend(args.backend, argv)
        # Imported only once the backend is chosen: the commands' work needs Keras.
        from keras_mlpmix.cli import work

        getattr(work, args.command)(args)
    except UserError as error:
        print(f"{PROG}: error: {one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print(
            f"{PROG}: this is a bug in keras-mlpmix {__version__}, not a problem "
            f"with your input; please report it, with the lines above, at "
            f"{_issues_url()}",
            file=sys.stderr,
        )
        return 1
    return 0
