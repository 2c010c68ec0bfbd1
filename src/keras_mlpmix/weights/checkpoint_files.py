"""Checkpoint files: recognising their format, checking their structure, reading them.

Three containers hold the published MLP-Mixer and gMLP weights:

- `"npz"`: a NumPy `.npz` archive, as released with the MLP-Mixer paper;
- `"safetensors"`: a safetensors file, as timm hosts on the Hugging Face hub;
- `"torch"`: a file written by `torch.save` (timm's `.pth` / `.bin`), read
  with `torch.load(weights_only=True)` when PyTorch is installed.

Every file is checked for structural integrity before its tensors are used:
a zip archive (`.npz`, and `.pth` files of PyTorch >= 1.6) must have its
central directory and a correct CRC-32 for every member; a safetensors file
must have a well-formed header whose tensors exactly fill the rest of the
file. A truncated download fails these checks. What they cannot see is a
changed byte inside a safetensors tensor, which has no checksum: only a
SHA-256 of the whole file (see `keras_mlpmix.weights.download`) covers that.
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import safetensors.numpy

FORMATS = ("npz", "safetensors", "torch")

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTOCOL_2_PLUS = b"\x80"


class CheckpointFileError(ValueError):
    """A checkpoint file that is not of the expected format, truncated or corrupt."""


def check_format(format: str | None) -> None:
    """Raises unless `format` is None or one of `FORMATS`."""
    if format is not None and format not in FORMATS:
        raise ValueError(
            f"`format` must be None (detect it from the file) or one of {FORMATS}. "
            f"Received: format={format!r}."
        )


def detect_format(path) -> str:
    """Returns the format of the checkpoint file at `path`, from its first bytes.

    Raises:
        CheckpointFileError: if the file is empty or of no known format.
    """
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

    See the module documentation for what is and is not detected.
    """
    check_format(format)
    size = os.path.getsize(path)
    if size == 0:
        raise CheckpointFileError(f"The checkpoint file {os.fspath(path)!r} is empty.")
    if format == "safetensors":
        _check_safetensors(path, size)
    elif format == "npz" or _starts_with(path, _ZIP_MAGIC):
        _check_zip(path, format)


def read_tensors(path, format: str) -> dict[str, np.ndarray]:
    """Checks the file's integrity, then returns its tensors by name.

    Raises:
        CheckpointFileError: if the file is not a valid file of `format`.
        ImportError: for `format="torch"` without PyTorch installed.
    """
    check_integrity(path, format)
    if format == "npz":
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    if format == "safetensors":
        try:
            return safetensors.numpy.load_file(path)
        except Exception as error:  # safetensors raises its own error types.
            raise CheckpointFileError(
                f"Could not read the safetensors file {os.fspath(path)!r}: {error}"
            ) from error
    return _read_torch(path)


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
        raise ValueError(
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
    except (zipfile.BadZipFile, OSError) as error:
        raise CheckpointFileError(
            f"{os.fspath(path)!r} is not a complete {kind} ({error}); the file is "
            "truncated or corrupt, or of another format."
        ) from error
    if corrupt is not None:
        raise CheckpointFileError(
            f"The {kind} {os.fspath(path)!r} is corrupt: member {corrupt!r} fails "
            "its CRC-32 check."
        )


def _check_safetensors(path, size: int) -> None:
    name = os.fspath(path)
    with open(path, "rb") as file:
        length_bytes = file.read(8)
        header_length = (
            int.from_bytes(length_bytes, "little") if len(length_bytes) == 8 else -1
        )
        if header_length < 0 or 8 + header_length > size:
            raise CheckpointFileError(
                f"The safetensors file {name!r} is truncated: its header needs "
                f"{max(header_length, 0) + 8} bytes but the file has {size}."
            )
        try:
            header = json.loads(file.read(header_length))
        except ValueError as error:
            raise CheckpointFileError(
                f"The safetensors file {name!r} has a malformed header: {error}"
            ) from error
    if not isinstance(header, dict):
        raise CheckpointFileError(
            f"The safetensors file {name!r} has a malformed header."
        )
    data_size = size - 8 - header_length
    ends = [
        entry["data_offsets"][1]
        for key, entry in header.items()
        if key != "__metadata__" and isinstance(entry, dict) and "data_offsets" in entry
    ]
    needed = max(ends, default=0)
    if needed != data_size:
        problem = "truncated" if needed > data_size else "longer than its header says"
        raise CheckpointFileError(
            f"The safetensors file {name!r} is {problem}: its header describes "
            f"{needed} bytes of tensor data but the file holds {data_size}."
        )


def _read_torch(path) -> dict[str, np.ndarray]:
    try:
        # Reading PyTorch's pickle format needs PyTorch; no computation uses it.
        import torch  # noqa: TID251
    except ImportError as error:
        raise ImportError(
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
        isinstance(value, torch.Tensor) for value in state.values()
    ):
        raise CheckpointFileError(
            f"{os.fspath(path)!r} does not hold a state dict (a mapping from names "
            "to tensors), as timm's checkpoints do."
        )
    return {name: value.detach().cpu().float().numpy() for name, value in state.items()}
