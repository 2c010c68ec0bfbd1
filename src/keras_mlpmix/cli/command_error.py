"""The error a subcommand raises to stop with a one-line message."""

from keras_mlpmix.errors import UserError


class CommandError(UserError):
    """A failure the user can fix; the command line prints it as one line."""
