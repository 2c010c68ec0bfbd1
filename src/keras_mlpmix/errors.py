"""The errors keras-mlpmix raises for input it cannot use.

Each derives from the built-in type a caller expects (`ValueError`, ...) and from
`UserError`, which the `keras-mlpmix` command reports in one line, without traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Input the library cannot use; the message says what to change.

    Example:

    >>> from keras_mlpmix.errors import InvalidValueError, UserError
    >>> issubclass(InvalidValueError, ValueError), issubclass(InvalidValueError, UserError)
    (True, True)
    """


def one_line(error: BaseException) -> str:
    """The message of `error` on one line, or its type's name if it has none."""
    return " ".join(str(error).split()) or type(error).__name__


class InvalidValueError(UserError, ValueError):
    """An argument, input shape or file of the right type but an unusable value."""


class InvalidTypeError(UserError, TypeError):
    """An argument of the wrong type, or one the function does not take."""


class DownloadError(UserError, OSError):
    """A download that failed (no network, a transfer cut short); nothing is kept."""


class MissingDependencyError(UserError, ImportError):
    """An optional package that a feature needs is not installed."""
