"""Fetching checkpoint files once into the Keras cache, verified on every use.

Files go to `$KERAS_HOME/keras_mlpmix/checkpoints/` (`~/.keras/...` by default).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os

import keras

from keras_mlpmix.errors import DownloadError, InvalidValueError
from keras_mlpmix.weights import checkpoint_files

logger = logging.getLogger("keras_mlpmix")

_PARTIAL_SUFFIX = ".partial"


def cache_directory(kind: str = "checkpoints") -> str:
    """The cache folder for `kind` of files, under `KERAS_HOME` (or `~/.keras`)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    return os.path.join(home, "keras_mlpmix", kind)


def sha256_of(path) -> str:
    """The SHA-256 of a file, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verification_problem(path, format: str, sha256: str | None) -> str | None:
    """What is wrong with the checkpoint file at `path`, or None if it verifies."""
    if sha256 is not None:
        actual = sha256_of(path)
        if actual != sha256.lower():
            return f"its SHA-256 is {actual}, not the published {sha256}"
    try:
        checkpoint_files.check_integrity(path, format)
    except checkpoint_files.CheckpointFileError as error:
        return str(error)
    return None


def fetch(url: str, file_name: str, *, format: str, sha256: str | None = None) -> str:
    """Returns the path of the verified cache file of `url`, downloading it if needed.

    A download takes its cache name only once verified; a cached file that no longer
    verifies is removed and downloaded again.

    Args:
        url: Where the checkpoint is published (`https://`, `http://`, `file://`).
        file_name: Name of the cached file.
        format: Its checkpoint format, for the structural check.
        sha256: Its expected SHA-256, or None if none is known.

    Raises:
        ValueError: if the download fails verification; nothing is kept.
        OSError: if the download fails or is cut short; nothing is kept.
    """
    directory = cache_directory()
    # get_file falls back to /tmp when its folder does not exist yet.
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name)
    partial = path + _PARTIAL_SUFFIX
    # A partial file left by an interrupted download would pass for a cached one.
    with contextlib.suppress(FileNotFoundError):
        os.remove(partial)
    if os.path.exists(path):
        problem = verification_problem(path, format, sha256)
        if problem is None:
            return path
        logger.warning(
            "The cached checkpoint %s is damaged (%s); removed it and downloading "
            "%s again.",
            path,
            problem,
            url,
        )
        os.remove(path)
    try:
        keras.utils.get_file(
            os.path.basename(partial),
            origin=url,
            cache_dir=os.path.dirname(directory),
            cache_subdir=os.path.basename(directory),
        )
    except Exception as error:  # get_file raises a bare Exception and removes the file.
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)
        raise DownloadError(
            f"Downloading {url} failed: {error}. No partial file was kept; calling "
            "again retries."
        ) from error
    problem = verification_problem(partial, format, sha256)
    if problem is not None:
        os.remove(partial)
        raise InvalidValueError(
            f"The file downloaded from {url} is not the published checkpoint: "
            f"{problem}. It was deleted; calling again downloads it again."
        )
    os.replace(partial, path)
    return path
