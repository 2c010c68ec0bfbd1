"""The `keras-mlpmix` command line; each subcommand is a module of `cli.commands`."""

from keras_mlpmix.cli.main import main

__all__ = ["main"]
