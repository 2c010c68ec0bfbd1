"""The package reports the version its installed metadata records."""

from importlib import metadata

from packaging.version import Version

import keras_mlpmix


def test_version_is_the_installed_distributions():
    assert keras_mlpmix.__version__ == metadata.version("keras-mlpmix")
    assert keras_mlpmix.version.__version__ == keras_mlpmix.__version__


def test_version_is_a_pep_440_version_derived_from_git():
    version = Version(keras_mlpmix.__version__)
    # An install from a git checkout is a tagged release or a dev version
    # between tags; the fallback of a tree without metadata is never one.
    assert version.is_devrelease or not version.local, version
    assert str(version) != "0.0.dev0"
