"""Loading checkpoints into models, all or nothing, and exporting models as checkpoints.

The loader knows files and layouts, not models: each family's backbone writes the rules
that name the checkpoint tensor of each of its weights (see `check_checkpointable`).
"""

from __future__ import annotations

import dataclasses
import logging
import os

import keras
import numpy as np

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError
from keras_mlpmix.layers.argument_checks import check_bool, check_pair
from keras_mlpmix.weights import checkpoint_files, patch_grid
from keras_mlpmix.weights.layouts import layout_of_format

logger = logging.getLogger("keras_mlpmix")

_LISTED = 8  # Offending names listed in an error message, the rest counted.
_SUFFIXES = {".npz": "npz", ".safetensors": "safetensors"}


@dataclasses.dataclass(frozen=True)
class LoadReport:
    """What a checkpoint load did, weight by weight.

    Attributes:
        source: The file the weights came from.
        format: Its format (`"npz"`, `"safetensors"` or `"torch"`).
        loaded: Paths of the model weights filled from the checkpoint.
        interpolated: Those of `loaded` resized to the model's patch grid.
        kept_initial: Model weights left as initialised (a head that does not fit).
        ignored: Checkpoint tensors not used (a head the model lacks or cannot fit).
        notes: Other remarks, e.g. a GELU form other than the checkpoint's.

    Example:

    >>> from keras_mlpmix.weights import LoadReport
    >>> report = LoadReport("mixer.npz", "npz", loaded=("stem/kernel",),
    ...                     kept_initial=("head/kernel", "head/bias"))
    >>> print(report)
    Loaded 1 weights from mixer.npz (npz).
    Kept as initialised: head/kernel, head/bias.
    """

    source: str
    format: str
    loaded: tuple[str, ...]
    interpolated: tuple[str, ...] = ()
    kept_initial: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __str__(self):
        lines = [
            f"Loaded {len(self.loaded)} weights from {self.source} ({self.format})."
        ]
        for title, names in (
            ("Interpolated to the model's patch grid", self.interpolated),
            ("Kept as initialised", self.kept_initial),
            ("Not used from the checkpoint", self.ignored),
        ):
            if names:
                lines.append(f"{title}: {', '.join(names)}.")
        return "\n".join([*lines, *self.notes])


def check_checkpointable(model) -> None:
    """Raises a TypeError unless `model` is a `Backbone` or an `ImageClassifier`.

    The loaders use its `checkpoint_rules(layout)` (one `Rule` per weight; a ValueError
    for a layout its family lacks), `describe()` (one line naming the model and its
    sizes, for messages), `name`, `approximate_gelu` and `patch_grid`.
    """
    if not callable(getattr(model, "checkpoint_rules", None)):
        raise InvalidTypeError(
            "`model` must be a keras_mlpmix Backbone or ImageClassifier (a model "
            "with `checkpoint_rules`). Received: model of type "
            f"{type(model).__name__}."
        )


def load_checkpoint(
    model,
    path,
    format: str | None = None,
    *,
    interpolate_patch_grid: bool = False,
    checkpoint_grid=None,
) -> LoadReport:
    """Loads an official MLP-Mixer or a timm checkpoint file into a model.

    Reads the official `.npz` files (MLP-Mixer only), timm's `.safetensors` (MLP-Mixer,
    gMLP, ResMLP) and, with PyTorch installed, timm's `.pth` / `.bin`. Each tensor
    must fill one weight, with the right shape and finite real values, and each weight
    be filled; otherwise a `ValueError` lists what is wrong and nothing is loaded. The
    exception is the head: a `Backbone` leaves it out, and an `ImageClassifier` with
    another number of classes keeps its own; the report (logged at INFO) says so.

    Args:
        model: A `Backbone` or `ImageClassifier` whose family has the file's layout.
        path: The checkpoint file.
        format: `"npz"` (official layout), `"safetensors"` or `"torch"` (timm
            layout); detected from the file's first bytes when None.
        interpolate_patch_grid: Resize the weights tied to the patch grid when the
            checkpoint's grid differs from the model's (see `weights.patch_grid`);
            otherwise such a difference is an error.
        checkpoint_grid: `(rows, columns)` of the checkpoint's patches; inferred as
            square when None.

    Returns:
        A `LoadReport`.

    Raises:
        ValueError: if the file is invalid or its tensors do not fit the model.
        TypeError: if `model` is not a Backbone or ImageClassifier.

    Example:

    >>> import os, tempfile
    >>> from keras_mlpmix.models import ImageClassifier
    >>> from keras_mlpmix.weights import export_checkpoint, load_checkpoint
    >>> def small(num_classes):
    ...     return ImageClassifier.from_preset(
    ...         "mixer_b16_224", num_classes=num_classes, image_size=32,
    ...         hidden_dim=8, num_blocks=1, tokens_mlp_dim=4, channels_mlp_dim=16)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> export_checkpoint(small(1000), path)
    >>> load_checkpoint(small(10), path).kept_initial
    ('head/kernel', 'head/bias')
    """
    check_checkpointable(model)
    checkpoint_files.check_format(format)
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(
            f"`path` must be a file path. Received: path={path!r} of type "
            f"{type(path).__name__}."
        )
    if not os.path.isfile(path):
        raise InvalidValueError(f"No checkpoint file at {os.fspath(path)!r}.")
    format = format or checkpoint_files.detect_format(path)
    return load_tensors(
        model,
        checkpoint_files.read_tensors(path, format),
        format=format,
        source=os.fspath(path),
        interpolate_patch_grid=interpolate_patch_grid,
        checkpoint_grid=checkpoint_grid,
    )


def load_tensors(
    model,
    tensors: dict[str, np.ndarray],
    *,
    format: str,
    source: str,
    interpolate_patch_grid: bool = False,
    checkpoint_grid=None,
) -> LoadReport:
    """`load_checkpoint` for tensors already read from a file of `format`."""
    check_checkpointable(model)
    interpolate_patch_grid = check_bool(
        "interpolate_patch_grid", interpolate_patch_grid
    )
    if checkpoint_grid is not None:
        checkpoint_grid = check_pair("checkpoint_grid", checkpoint_grid)
    layout = layout_of_format(format)
    rules = model.checkpoint_rules(layout)
    fitter = _Fitter(model.patch_grid, interpolate_patch_grid, checkpoint_grid)
    planned, missing, mismatched, head = [], [], [], []
    for rule in rules:
        if rule.source not in tensors:
            if not rule.head:
                expected = rule.layout.checkpoint_shape(tuple(rule.target.shape))
                missing.append(f"{rule.source} {expected}")
            continue
        value, problem, shape_mismatch = fitter.fit(rule, tensors[rule.source])
        if rule.head:
            head.append((rule.target, value, problem))
        # A head holding invalid values is an error; one of another size is not.
        if problem and not (rule.head and shape_mismatch):
            mismatched.append(problem)
        elif not rule.head:
            planned.append((rule.target, value))
    head_rules = [rule for rule in rules if rule.head]
    used = {rule.source for rule in rules if not rule.head and rule.source in tensors}
    kept_initial, ignored = (), ()
    if head_rules and len(head) == len(head_rules) and not any(p for *_, p in head):
        planned += [(target, value) for target, value, _ in head]
        used.update(rule.source for rule in head_rules)
    else:
        kept_initial = tuple(rule.target.path for rule in head_rules)
        ignored = tuple(name for name in layout.head_names if name in tensors)
        used.update(layout.head_names)

    unexpected = [
        f"{name} {tuple(np.shape(tensors[name]))}"
        for name in sorted(set(tensors) - used)
    ]
    covered = {id(rule.target) for rule in rules}
    unfilled = [weight.path for weight in model.weights if id(weight) not in covered]
    lines = [
        f"The checkpoint {source!r} ({format}) does not fit {model.describe()}. "
        "Nothing was loaded."
    ]
    for title, names in (
        ("Missing from the checkpoint", missing),
        ("Unexpected in the checkpoint", unexpected),
        ("Tensors that do not fit", mismatched),
        ("Model weights that no checkpoint tensor fills", unfilled),
    ):
        if names:
            more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
            listed = ", ".join(names[:_LISTED])
            lines.append(f"{title} ({len(names)}): {listed}{more}.")
    if len(lines) > 1:
        raise InvalidValueError("\n".join(lines))
    for target, value in planned:
        target.assign(value)
    notes = ()
    if model.approximate_gelu != layout.approximate_gelu:
        forms = ("exact", "tanh-approximate")
        notes = (
            f"Checkpoints in {layout.description} were trained with "
            f"{forms[layout.approximate_gelu]} GELU but this model uses the "
            f"{forms[not layout.approximate_gelu]} form (approximate_gelu="
            f"{model.approximate_gelu}); its outputs differ slightly from the "
            "reference model's.",
        )
        logger.warning(notes[0])
    report = LoadReport(
        source=source,
        format=format,
        loaded=tuple(target.path for target, _ in planned),
        interpolated=tuple(fitter.resized),
        kept_initial=kept_initial,
        ignored=ignored,
        notes=notes,
    )
    logger.info("%s", report)
    return report


class _Fitter:
    """Converts checkpoint tensors to a model's weights, resizing its patch grid."""

    def __init__(self, grid, interpolate_patch_grid, checkpoint_grid):
        self.grid = tuple(grid)
        self.interpolate = interpolate_patch_grid
        self.checkpoint_grid = checkpoint_grid
        self.resized = []

    def fit(self, rule, tensor):
        """Returns `(value, None, False)` or `(None, problem, is_shape_mismatch)`."""
        target_shape = tuple(rule.target.shape)
        tensor = np.asarray(tensor)
        if tensor.dtype.kind not in "fiu":
            problem = (
                f"{rule.source}: dtype {tensor.dtype}, not an array of real numbers"
            )
            return None, problem, False
        value = rule.layout.to_keras(tensor)
        if value.shape != target_shape and rule.patch_axes is not None:
            value, problem = self._resize(rule, value)
            if problem:
                return None, problem, True
        if value.shape != target_shape:
            expected = rule.layout.checkpoint_shape(target_shape)
            problem = (
                f"{rule.source}: checkpoint {tuple(tensor.shape)}, model expects "
                f"{expected} for {rule.target.path}"
            )
            return None, problem, True
        with np.errstate(over="ignore", invalid="ignore"):
            value = value.astype(rule.target.dtype)
        if not np.isfinite(value).all():
            problem = (
                f"{rule.source}: holds NaN or infinite values (as "
                f"{rule.target.dtype}) for {rule.target.path}"
            )
            return None, problem, False
        return value, None, False

    def _resize(self, rule, value):
        axes, target_shape = rule.patch_axes, tuple(rule.target.shape)
        same_rank = value.ndim == len(target_shape)
        sizes = {value.shape[axis] for axis in axes.all} if same_rank else set()
        if len(sizes) != 1 or any(
            value.shape[axis] != target_shape[axis]
            for axis in range(value.ndim)
            if axis not in axes.all
        ):
            return value, None  # Not a patch-grid difference: reported as a shape.
        (checkpoint_patches,) = sizes
        model = f"{self.grid[0]}x{self.grid[1]}"
        source_grid = self.checkpoint_grid or patch_grid.square_grid(checkpoint_patches)
        if source_grid is None or source_grid[0] * source_grid[1] != checkpoint_patches:
            return None, (
                f"{rule.source}: {checkpoint_patches} patches in the checkpoint, "
                f"{model} in the model; pass checkpoint_grid=(rows, columns), the "
                "checkpoint's patch grid, to resize it"
            )
        if not self.interpolate:
            return None, (
                f"{rule.source}: the checkpoint has {source_grid[0]}x{source_grid[1]} "
                f"patches, the model {model} (another image size); pass "
                "interpolate_patch_grid=True to resize the patch-tied weights, or build "
                "the model at the checkpoint's image size"
            )
        self.resized.append(rule.target.path)
        return patch_grid.resize(value, axes, source_grid, self.grid), None


def export_checkpoint(model, path, format: str | None = None) -> None:
    """Writes the weights of `model` as a checkpoint that `load_checkpoint` reads.

    `"npz"` writes the official MLP-Mixer parameter tree (MLP-Mixer only),
    `"safetensors"` timm's state dict (MLP-Mixer, gMLP, ResMLP); weights are float32.

    Args:
        model: A `Backbone` (no head is written) or an `ImageClassifier`.
        path: The file to write.
        format: `"npz"` or `"safetensors"`; from the suffix of `path` when None.

    Raises:
        ValueError: for an unknown format, a family without that layout, or weights
            the layout has no place for (e.g. a position embedding).
        TypeError: if `model` is not a Backbone or ImageClassifier.

    Example:

    >>> import os, tempfile
    >>> from keras_mlpmix.models import Backbone
    >>> from keras_mlpmix.weights import export_checkpoint
    >>> backbone = Backbone.from_preset(
    ...     "gmlp_s16_224", image_size=32, hidden_dim=8, num_blocks=1, ffn_dim=16)
    >>> path = os.path.join(tempfile.mkdtemp(), "gmlp.safetensors")
    >>> export_checkpoint(backbone, path)
    >>> os.path.getsize(path) > 0
    True
    """
    check_checkpointable(model)
    if format is None:
        format = _SUFFIXES.get(os.path.splitext(os.fspath(path))[1])
        if format is None:
            raise InvalidValueError(
                "Cannot tell the checkpoint format from the file name: pass format="
                f"'npz' or 'safetensors', or name the file *.npz or *.safetensors. "
                f"Received: path={os.fspath(path)!r}."
            )
    if format not in _SUFFIXES.values():
        raise InvalidValueError(
            "`format` must be 'npz' (the official MLP-Mixer layout) or 'safetensors' "
            f"(timm's). Received: format={format!r}."
        )
    rules = model.checkpoint_rules(layout_of_format(format))
    covered = {id(rule.target) for rule in rules}
    unplaced = [weight.path for weight in model.weights if id(weight) not in covered]
    if unplaced:
        raise InvalidValueError(
            f"The {format} checkpoint layout has no place for these weights of "
            f"{model.describe()}: {', '.join(unplaced)}."
        )
    tensors = {
        rule.source: rule.layout.to_checkpoint(
            keras.ops.convert_to_numpy(keras.ops.cast(rule.target, "float32"))
        )
        for rule in rules
    }
    checkpoint_files.write_tensors(path, tensors, format)
