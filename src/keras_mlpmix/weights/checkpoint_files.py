"""Checkpoint files: recognising, checking, reading, writing and downloading them.

`"npz"`: the official MLP-Mixer archives; `"safetensors"` and `"torch"` (`.pth`,
`.bin`, read with `torch.load(weights_only=True)`): timm's state dicts. Downloads go
to `$KERAS_HOME/keras_mlpmix/checkpoints/` (`~/.keras/...` by default).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import zipfile

import keras
import numpy as np
import safetensors.numpy

from keras_mlpmix.errors import DownloadError, InvalidValueError, MissingDependencyError

logger = logging.getLogger("keras_mlpmix")

FORMATS = ("npz", "safetensors", "torch")

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTOCOL_2_PLUS = b"\x80"
# Real-number safetensors dtypes as little-endian NumPy types; BF16 is read as
# 16-bit integers and widened, having no NumPy type.
_SAFETENSORS_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
}  # fmt: skip
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}
# Limits that no real checkpoint reaches; beyond them a header is hostile.
_MAX_HEADER_BYTES = 100 * 2**20
_MAX_RANK = 8


class CheckpointFileError(InvalidValueError):
    """A checkpoint file that is not of the expected format, truncated or corrupt."""


def check_format(format: str | None) -> None:
    """Raises unless `format` is None or one of `FORMATS`."""
    if format is not None and (not isinstance(format, str) or format not in FORMATS):
        raise InvalidValueError(
            f"`format` must be None (detect it from the file) or one of {FORMATS}. "
            f"Received: format={format!r}."
        )


def detect_format(path) -> str:
    """The format of the checkpoint at `path`, from its first bytes; raises if none."""
    with open(path, "rb") as file:
        start = file.read(9)
    if start.startswith(_ZIP_MAGIC):
        return "torch" if _is_torch_archive(path) else "npz"
    if len(start) == 9 and start[8:9] == b"{":
        return "safetensors"
    if start.startswith(_PICKLE_PROTOCOL_2_PLUS):
        return "torch"
    raise CheckpointFileError(
        f"Could not recognise the checkpoint format of {os.fspath(path)!r} "
        f"(it starts with {start!r}). Expected a NumPy .npz archive (official "
        "MLP-Mixer weights), a safetensors file or a PyTorch .pth/.bin file "
        "(timm weights)."
    )


def check_integrity(path, format: str) -> None:
    """Raises `CheckpointFileError` if the file is truncated or corrupt.

    Checks zip CRC-32s and that a safetensors header is well formed and fills the file.
    A changed byte inside a tensor needs the SHA-256 check of `fetch`.
    """
    check_format(format)
    size = os.path.getsize(path)
    if size == 0:
        raise CheckpointFileError(f"The checkpoint file {os.fspath(path)!r} is empty.")
    with open(path, "rb") as file:
        zipped = file.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
    if format == "safetensors":
        _safetensors_header(path, size)
    elif format == "npz" or zipped:
        _check_zip(path, format)


def read_tensors(path, format: str) -> dict[str, np.ndarray]:
    """Checks the file, then returns its tensors by name, as real NumPy arrays.

    Raises `CheckpointFileError` for an invalid file or a tensor of non-real numbers,
    and `ImportError` for `format="torch"` without PyTorch.
    """
    check_integrity(path, format)
    read = {"npz": _read_npz, "safetensors": _read_safetensors}.get(format, _read_torch)
    tensors = read(path)
    for name, value in tensors.items():
        if value.dtype.kind not in "fiu":
            raise CheckpointFileError(
                f"The checkpoint {os.fspath(path)!r} holds {name!r} of dtype "
                f"{value.dtype}; weights are arrays of real numbers (floats or "
                "integers)."
            )
    return tensors


def write_tensors(path, tensors: dict[str, np.ndarray], format: str) -> None:
    """Writes `tensors` to `path` as a `"npz"` or `"safetensors"` file."""
    if format == "npz":
        with open(path, "wb") as file:
            np.savez(file, **tensors)
    elif format == "safetensors":
        safetensors.numpy.save_file(
            {name: np.ascontiguousarray(value) for name, value in tensors.items()},
            os.fspath(path),
        )
    else:
        raise InvalidValueError(
            "Checkpoints are written as 'npz' (the official MLP-Mixer layout) or "
            f"'safetensors' (timm's). Received: format={format!r}."
        )


def _is_torch_archive(path) -> bool:
    """Whether a zip archive was written by `torch.save` (it holds a `data.pkl`)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("/data.pkl") for name in archive.namelist())
    except zipfile.BadZipFile:
        return os.fspath(path).endswith((".pth", ".pt", ".bin"))


def _check_zip(path, format: str) -> None:
    kind = "NumPy .npz archive" if format == "npz" else "PyTorch zip archive"
    try:
        with zipfile.ZipFile(path) as archive:
            corrupt = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise CheckpointFileError(
            f"{os.fspath(path)!r} is not a complete {kind} ({error}); the file is "
            "truncated or corrupt, or of another format."
        ) from error
    if corrupt is not None:
        raise CheckpointFileError(
            f"The {kind} {os.fspath(path)!r} is corrupt: member {corrupt!r} fails "
            "its CRC-32 check."
        )


def _read_npz(path) -> dict[str, np.ndarray]:
    tensors, member = {}, None
    try:
        with np.load(path, allow_pickle=False) as archive:
            for member in archive.files:
                tensors[member] = archive[member]
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        problem = f"Could not read the .npz archive {os.fspath(path)!r}: {error}"
        if member is not None and isinstance(error, ValueError):  # needs pickle
            problem = (
                f"The .npz archive {os.fspath(path)!r} holds {member!r}, which is "
                f"not an array of numbers ({error})."
            )
        raise CheckpointFileError(problem) from error
    return tensors


def _safetensors_header(path, size: int) -> dict:
    """The validated header of a safetensors file: its tensors' entries by name."""
    name = os.fspath(path)

    def malformed(problem):
        return CheckpointFileError(
            f"The safetensors file {name!r} has a malformed header: {problem}."
        )

    with open(path, "rb") as file:
        length_bytes = file.read(8)
        if len(length_bytes) < 8:
            raise CheckpointFileError(
                f"The safetensors file {name!r} is truncated: it has {size} bytes, "
                "fewer than the 8 of its header length."
            )
        header_length = int.from_bytes(length_bytes, "little")
        if 8 + header_length > size:
            raise CheckpointFileError(
                f"The safetensors file {name!r} is truncated: its header needs "
                f"{header_length + 8} bytes but the file has {size}."
            )
        if header_length > _MAX_HEADER_BYTES:
            raise malformed(f"its header claims {header_length} bytes")
        try:
            header = json.loads(file.read(header_length))
        except ValueError as error:
            raise malformed(f"not JSON ({error})") from error
    if not isinstance(header, dict):
        raise malformed("not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(value, str) for value in metadata.values()
    ):
        raise malformed("`__metadata__` is not a mapping of strings")
    data_size = size - 8 - header_length
    spans = []
    for tensor, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
            raise malformed(f"entry {tensor!r} is not {{dtype, shape, data_offsets}}")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in _SAFETENSORS_DTYPES:
            raise CheckpointFileError(
                f"The safetensors file {name!r} holds {tensor!r} of dtype {dtype!r}; "
                "weights are arrays of real numbers, one of "
                f"{', '.join(_SAFETENSORS_DTYPES)}."
            )
        if not _are_counts(shape, range(_MAX_RANK + 1)):
            raise malformed(f"entry {tensor!r} has shape {shape!r}")
        if not _are_counts(offsets, (2,)) or offsets[0] > offsets[1]:
            raise malformed(f"entry {tensor!r} has data_offsets {offsets!r}")
        itemsize = np.dtype(_SAFETENSORS_DTYPES[dtype]).itemsize
        if offsets[1] - offsets[0] != itemsize * math.prod(shape):
            raise malformed(
                f"entry {tensor!r} spans {offsets[1] - offsets[0]} bytes, but "
                f"{dtype} of shape {tuple(shape)} needs {itemsize * math.prod(shape)}"
            )
        spans.append((offsets[0], offsets[1], tensor))
    spans.sort()
    end = 0
    for begin, finish, tensor in spans:
        if begin != end:
            raise malformed(
                f"entry {tensor!r} starts at byte {begin} of the data, where the "
                f"tensors before it end at {end}"
            )
        end = finish
    if end != data_size:
        problem = "truncated" if end > data_size else "longer than its header says"
        raise CheckpointFileError(
            f"The safetensors file {name!r} is {problem}: its header describes "
            f"{end} bytes of tensor data but the file holds {data_size}."
        )
    return header


def _are_counts(value, lengths) -> bool:
    """Whether `value` is a list of non-negative integers, its length in `lengths`."""
    return (
        isinstance(value, list)
        and len(value) in lengths
        and all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value
        )
    )


def _read_safetensors(path) -> dict[str, np.ndarray]:
    header = _safetensors_header(path, os.path.getsize(path))
    with open(path, "rb") as file:
        start = 8 + int.from_bytes(file.read(8), "little")
        tensors = {}
        for tensor, entry in header.items():
            begin, end = entry["data_offsets"]
            file.seek(start + begin)
            dtype = _SAFETENSORS_DTYPES[entry["dtype"]]
            array = np.frombuffer(file.read(end - begin), dtype=dtype)
            if entry["dtype"] == "BF16":
                array = (array.astype("<u4") << 16).view("<f4")
            tensors[tensor] = array.reshape(entry["shape"])
    return tensors


def _read_torch(path) -> dict[str, np.ndarray]:
    try:
        # Reading PyTorch's pickle format needs PyTorch; no computation uses it.
        import torch  # noqa: TID251
    except ImportError as error:
        raise MissingDependencyError(
            f"Reading the PyTorch checkpoint {os.fspath(path)!r} needs PyTorch: "
            "`pip install torch`. The same weights are usually published as a "
            "safetensors file, which needs no PyTorch."
        ) from error
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises a variety of unpickling errors.
        raise CheckpointFileError(
            f"Could not read the PyTorch checkpoint {os.fspath(path)!r}: {error}"
        ) from error
    if not isinstance(state, dict) or not all(
        isinstance(key, str) and isinstance(value, torch.Tensor)
        for key, value in state.items()
    ):
        raise CheckpointFileError(
            f"{os.fspath(path)!r} does not hold a state dict (a mapping from names "
            "to tensors), as timm's checkpoints do."
        )
    tensors = {}
    for key, value in state.items():
        if value.is_complex() or value.dtype == torch.bool:
            raise CheckpointFileError(
                f"The checkpoint {os.fspath(path)!r} holds {key!r} of dtype "
                f"{value.dtype}; weights are arrays of real numbers."
            )
        value = value.detach().cpu()
        tensors[key] = (value.float() if value.is_floating_point() else value).numpy()
    return tensors


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
        check_integrity(path, format)
    except CheckpointFileError as error:
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
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~"), ".keras"
    )
    directory = os.path.join(home, "keras_mlpmix", "checkpoints")
    # get_file falls back to /tmp when its folder does not exist yet.
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name)
    partial = path + ".partial"
    # A partial file left by an interrupted download would pass for a cached one.
    with contextlib.suppress(FileNotFoundError):
        os.remove(partial)
    if os.path.exists(path):
        problem = verification_problem(path, format, sha256)
        if problem is None:
            return path
        logger.warning(
            f"The cached checkpoint {path} is damaged ({problem}); removed it and "
            f"downloading {url} again."
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
