"""The installed package's version, which the build takes from the git tag.

A source tree imported without being installed reports `0+unknown`.
"""

from importlib import metadata

try:
    __version__ = metadata.version("keras-mlpmix")
except metadata.PackageNotFoundError:
    __version__ = "0+unknown"
