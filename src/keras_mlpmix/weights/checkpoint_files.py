"""Checkpoint files: recognising their format, checking them, reading and writing them.

`"npz"`: the official MLP-Mixer archives; `"safetensors"` and `"torch"` (`.pth`,
`.bin`, read with `torch.load(weights_only=True)`): timm's state dicts.
"""

from __future__ import annotations

import json
import math
import os
import zipfile

import numpy as np
import safetensors.numpy

from keras_mlpmix.errors import InvalidValueError, MissingDependencyError

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
    A changed byte inside a tensor needs the SHA-256 check of `weights.download`.
    """
    check_format(format)
    size = os.path.getsize(path)
    if size == 0:
        raise CheckpointFileError(f"The checkpoint file {os.fspath(path)!r} is empty.")
    if format == "safetensors":
        _safetensors_header(path, size)
    elif format == "npz" or _starts_with(path, _ZIP_MAGIC):
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


def _starts_with(path, magic: bytes) -> bool:
    with open(path, "rb") as file:
        return file.read(len(magic)) == magic


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
    name = os.fspath(path)
    tensors = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            for member in archive.files:
                try:
                    tensors[member] = archive[member]
                except ValueError as error:  # object arrays need pickle
                    raise CheckpointFileError(
                        f"The .npz archive {name!r} holds {member!r}, which is not "
                        f"an array of numbers ({error})."
                    ) from error
    except CheckpointFileError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise CheckpointFileError(
            f"Could not read the .npz archive {name!r}: {error}"
        ) from error
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
        if (
            not isinstance(shape, list)
            or len(shape) > _MAX_RANK
            or not all(_is_count(size) for size in shape)
        ):
            raise malformed(f"entry {tensor!r} has shape {shape!r}")
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(_is_count(offset) for offset in offsets)
            or offsets[0] > offsets[1]
        ):
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


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read_safetensors(path) -> dict[str, np.ndarray]:
    size = os.path.getsize(path)
    header = _safetensors_header(path, size)
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
