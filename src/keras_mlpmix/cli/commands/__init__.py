"""The subcommands of `keras-mlpmix`: each module here is one, named after it.

A module provides its docstring (the `--help` description), `HELP` (a one-line
summary) and `add_arguments(parser)` (options whose help states the default;
`--backend` is added for it). Its top level imports no Keras: the function of its
name in `keras_mlpmix.cli.work` does the work once `main` has chosen the backend,
raising `CommandError` (or another `UserError`) when the user must fix something.
"""
