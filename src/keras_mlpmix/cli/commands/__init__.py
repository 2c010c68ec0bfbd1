"""The subcommands of `keras-mlpmix`, one module each.

The command line finds every module of this package and makes it a
subcommand named after the module. A module provides:

- its docstring: the subcommand's description in `--help`;
- `HELP`: a one-line summary for the list of subcommands;
- `add_arguments(parser)`: adds its options to an `argparse` parser whose
  every option help states its default (`--backend` is added for it);
- `run(args)`: does the work; raises `CommandError` (or another
  `keras_mlpmix.errors.UserError`) with a one-line message when the user
  must fix something.

A module's top level imports no Keras, so that `--help` works without a
backend and `--backend` takes effect: `run` imports what it needs, after
`main` has chosen the backend.
"""
