"""Loading checkpoints into models, all or nothing.

The loader knows files and layouts, not models: each family's backbone writes the rules
that name the checkpoint tensor of each of its weights (see `Checkpointable`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from typing import Protocol

import numpy as np

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError
from keras_mlpmix.layers.argument_checks import check_bool, check_pair
from keras_mlpmix.weights import checkpoint_files, patch_grid
from keras_mlpmix.weights.layouts import CheckpointLayout, Rule, layout_of_format

logger = logging.getLogger("keras_mlpmix")

_LISTED = 8  # Offending names listed in an error message, the rest counted.


class Checkpointable(Protocol):
    """What a loadable, exportable model provides (`Backbone`, `ImageClassifier`)."""

    name: str
    approximate_gelu: bool
    patch_grid: tuple[int, int]

    def checkpoint_rules(self, layout: CheckpointLayout) -> list[Rule]:
        """One rule per weight of the model; raises ValueError for an unknown layout."""

    def describe(self) -> str:
        """One line naming the model and its sizes, for messages."""


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
        if self.interpolated:
            lines.append(
                f"Interpolated to the model's patch grid: {', '.join(self.interpolated)}."
            )
        if self.kept_initial:
            lines.append(f"Kept as initialised: {', '.join(self.kept_initial)}.")
        if self.ignored:
            lines.append(f"Not used from the checkpoint: {', '.join(self.ignored)}.")
        lines.extend(self.notes)
        return "\n".join(lines)


def check_checkpointable(model) -> None:
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
    report = assign(
        model,
        model.checkpoint_rules(layout),
        tensors,
        source=source,
        format=format,
        head_sources=layout.head_names,
        interpolate_patch_grid=interpolate_patch_grid,
        checkpoint_grid=checkpoint_grid,
    )
    if model.approximate_gelu != layout.approximate_gelu:
        trained, used = ("tanh-approximate", "exact")
        if not layout.approximate_gelu:
            trained, used = used, trained
        note = (
            f"Checkpoints in {layout.description} were trained with {trained} GELU "
            f"but this model uses the {used} form (approximate_gelu="
            f"{model.approximate_gelu}); its outputs differ slightly from the "
            "reference model's."
        )
        logger.warning(note)
        report = dataclasses.replace(report, notes=(*report.notes, note))
    logger.info("%s", report)
    return report


def assign(
    model,
    rules: list[Rule],
    tensors: dict[str, np.ndarray],
    *,
    source: str,
    format: str,
    head_sources=(),
    interpolate_patch_grid: bool = False,
    checkpoint_grid=None,
) -> LoadReport:
    """Fills the weights named by `rules` from `tensors`, all or nothing.

    A head (`rule.head`) that is missing or of another size is kept as initialised and
    the tensors in `head_sources` reported as not used. Any other missing, unexpected,
    mis-shaped or invalid tensor, or unfilled weight, is a `ValueError`.
    """
    fitter = _Fitter(model.patch_grid, interpolate_patch_grid, checkpoint_grid)
    planned, missing, mismatched = [], [], []
    used = set()
    for rule in (rule for rule in rules if not rule.head):
        if rule.source not in tensors:
            expected = rule.layout.checkpoint_shape(tuple(rule.target.shape))
            missing.append(f"{rule.source} {expected}")
            continue
        used.add(rule.source)
        value, problem, _ = fitter.fit(rule, tensors[rule.source])
        if problem:
            mismatched.append(problem)
            continue
        planned.append((rule.target, value))

    head_rules = [rule for rule in rules if rule.head]
    head = [
        (rule, *fitter.fit(rule, tensors[rule.source]))
        for rule in head_rules
        if rule.source in tensors
    ]
    kept_initial, ignored = (), ()
    # A head holding invalid values is an error; one of another size is not.
    mismatched += [problem for _, _, problem, shape in head if problem and not shape]
    if (
        head_rules
        and len(head) == len(head_rules)
        and all(problem is None for _, _, problem, _ in head)
    ):
        planned += [(rule.target, value) for rule, value, _, _ in head]
        used.update(rule.source for rule in head_rules)
    else:
        kept_initial = tuple(rule.target.path for rule in head_rules)
        ignored = tuple(name for name in head_sources if name in tensors)
        used.update(head_sources)

    unexpected = [
        f"{name} {tuple(np.shape(tensors[name]))}"
        for name in sorted(set(tensors) - used)
    ]
    covered = {id(rule.target) for rule in rules}
    unfilled = [weight.path for weight in model.weights if id(weight) not in covered]
    problems = [
        (title, names)
        for title, names in (
            ("Missing from the checkpoint", missing),
            ("Unexpected in the checkpoint", unexpected),
            ("Tensors that do not fit", mismatched),
            ("Model weights that no checkpoint tensor fills", unfilled),
        )
        if names
    ]
    if problems:
        raise InvalidValueError(_mismatch_message(source, format, model, problems))
    for target, value in planned:
        target.assign(value)
    return LoadReport(
        source=source,
        format=format,
        loaded=tuple(target.path for target, _ in planned),
        interpolated=tuple(fitter.resized),
        kept_initial=kept_initial,
        ignored=ignored,
    )


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
        axes = rule.patch_axes
        target_shape = tuple(rule.target.shape)
        same_rank = value.ndim == len(target_shape)
        sizes = {value.shape[axis] for axis in axes.all} if same_rank else set()
        fixed_axes_fit = all(
            value.shape[axis] == target_shape[axis]
            for axis in range(value.ndim)
            if axis not in axes.all
        )
        if len(sizes) != 1 or not fixed_axes_fit:
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


def _mismatch_message(source, format, model, problems) -> str:
    lines = [
        f"The checkpoint {source!r} ({format}) does not fit {model.describe()}. "
        "Nothing was loaded."
    ]
    for title, names in problems:
        listed = ", ".join(names[:_LISTED])
        more = f" and {len(names) - _LISTED} more" if len(names) > _LISTED else ""
        lines.append(f"{title} ({len(names)}): {listed}{more}.")
    return "\n".join(lines)
