"""The subcommands of `keras-mlpmix`: each module here is one, named after it.

A module provides its docstring (the `--help` description), `HELP` (a one-line
summary), `add_arguments(parser)` (options whose help states the default;
`--backend` is added for it) and `run(args)`, which raises `CommandError` (or another
`UserError`) when the user must fix something. Its top level imports no Keras:
`run` imports what it needs once `main` has chosen the backend.
"""
