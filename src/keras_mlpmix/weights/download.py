"""Fetching checkpoint files once into the Keras cache, verified.

Files go to `$KERAS_HOME/keras_mlpmix/` (`~/.keras/keras_mlpmix/` by
default): downloads under `checkpoints/`, converted weights under
`converted/`. A download is verified before it is used: against its
SHA-256 when one is known, and always for structural integrity (see
`keras_mlpmix.weights.checkpoint_files`). A file that fails is deleted and
the error says why; the next call downloads it again.
"""

from __future__ import annotations

import hashlib
import os

import keras

from keras_mlpmix.weights import checkpoint_files


def cache_directory(kind: str) -> str:
    """The cache folder for `kind` (`"checkpoints"` or `"converted"`)."""
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


def fetch(url: str, file_name: str, *, format: str, sha256: str | None = None) -> str:
    """Downloads `url` into the cache as `file_name` (once) and verifies it.

    Args:
        url: Where the checkpoint is published (`https://`, `http://` or
            `file://`).
        file_name: Name of the cached file.
        format: Its checkpoint format, for the structural check.
        sha256: Its expected SHA-256, or None if none is known.

    Returns:
        The path of the verified file.

    Raises:
        ValueError: if the file's hash differs from `sha256`, or it is
            truncated or corrupt; the file is deleted.
        OSError: if the download fails (including a transfer cut short of
            the announced length); nothing is kept.
    """
    directory = cache_directory("checkpoints")
    # get_file falls back to /tmp when its folder does not exist yet.
    os.makedirs(directory, exist_ok=True)
    try:
        path = keras.utils.get_file(
            file_name,
            origin=url,
            cache_dir=os.path.dirname(directory),
            cache_subdir=os.path.basename(directory),
        )
    except Exception as error:  # get_file raises a bare Exception and removes the file.
        raise OSError(
            f"Downloading {url} failed: {error}. No partial file was kept; calling "
            "again retries."
        ) from error
    try:
        if sha256 is not None:
            actual = sha256_of(path)
            if actual != sha256.lower():
                raise ValueError(
                    f"The file downloaded from {url} has SHA-256 {actual}, not the "
                    f"published {sha256}: it is incomplete, corrupt or not the "
                    "published file."
                )
        checkpoint_files.check_integrity(path, format)
    except ValueError as error:
        os.remove(path)
        raise ValueError(
            f"{error} It was deleted; calling again downloads it again."
        ) from error
    return path
