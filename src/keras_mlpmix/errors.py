"""The errors keras-mlpmix raises for input it cannot use.

Every check of an argument, an input shape, a file or a download raises one
of these, with a message that names what was given and what would be
valid. They derive from the built-in type a caller expects (`ValueError`,
`TypeError`, `OSError`, `ImportError`), so `except ValueError` catches a
bad value as it would anywhere, and from `UserError`, which the
`keras-mlpmix` command turns into one line: any other exception is a bug
and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Input the library cannot use; the message says what to change.

    Example:

    >>> from keras_mlpmix.errors import InvalidValueError, UserError
    >>> issubclass(InvalidValueError, ValueError), issubclass(InvalidValueError, UserError)
    (True, True)
    """


class InvalidValueError(UserError, ValueError):
    """An argument, input shape or file of the right type but an unusable value."""


class InvalidTypeError(UserError, TypeError):
    """An argument of the wrong type, or one the function does not take."""


class DownloadError(UserError, OSError):
    """A download that failed (no network, a transfer cut short); nothing is kept."""


class MissingDependencyError(UserError, ImportError):
    """An optional package that a feature needs is not installed."""
