"""The error a subcommand raises to stop with a one-line message."""


class CommandError(Exception):
    """A failure the user can fix; the command line prints it as one line."""
