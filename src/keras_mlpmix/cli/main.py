"""The `keras-mlpmix` command: parses arguments and runs a subcommand."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from keras_mlpmix.cli import commands
from keras_mlpmix.cli.backend_switch import add_backend_argument, switch_backend
from keras_mlpmix.cli.command_error import CommandError
from keras_mlpmix.version import __version__

PROG = "keras-mlpmix"
# The failures a user can fix, reported as one line instead of a traceback.
# The library's argument checks raise ValueError/TypeError with messages
# that name the argument; OSError covers missing, unreadable and
# unwritable files and failed downloads (DatasetUnavailableError).
USER_ERRORS = (CommandError, ValueError, TypeError, ImportError, OSError)


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports a usage error in one line."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _command_modules():
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__))
    for name in names:
        yield importlib.import_module(f"{commands.__name__}.{name}")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole command line, one sub-parser per command module."""
    parser = _Parser(
        prog=PROG,
        description="Train, evaluate and list attention-free all-MLP vision "
        "models (MLP-Mixer, FNet, gMLP) with Keras 3.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(
        title="commands", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for module in _command_modules():
        name = module.__name__.rpartition(".")[2]
        subparser = subparsers.add_parser(
            name,
            help=module.HELP,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(subparser)
        add_backend_argument(subparser)
        subparser.set_defaults(run=module.run)
    return parser


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status.

    Args:
        argv: The arguments after the program name; `sys.argv[1:]` if None.

    Returns:
        0 on success, 1 when a command fails with a message, 2 on a usage
        error.

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
    try:
        switch_backend(args.backend, argv)
        args.run(args)
    except USER_ERRORS as error:
        print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
        return 1
    return 0
