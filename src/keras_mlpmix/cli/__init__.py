"""The `keras-mlpmix` command line: train, evaluate and list presets.

Each subcommand is a module of `keras_mlpmix.cli.commands`; see there how
to add one.
"""

from keras_mlpmix.cli.main import main

__all__ = ["main"]
