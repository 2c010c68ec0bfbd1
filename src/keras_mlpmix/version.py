"""The version of the installed package.

The version is not written in the source: the build takes it from the git
tag (`v0.2.0` builds as `0.2.0`; a commit after it as `0.2.1.devN+g<hash>`)
and records it in the distribution's metadata, which this module reads. A
source tree imported without being installed reports `0+unknown`.
"""

from importlib import metadata

try:
    __version__ = metadata.version("keras-mlpmix")
except metadata.PackageNotFoundError:
    __version__ = "0+unknown"
