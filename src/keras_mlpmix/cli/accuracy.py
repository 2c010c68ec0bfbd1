"""Accuracy and a confusion summary of a classifier's predictions."""

from __future__ import annotations

import numpy as np


def top_k_accuracy(logits, labels, k: int) -> float:
    """Fraction of `labels` among the `k` highest `logits` of their row."""
    k = min(k, logits.shape[-1])
    top = np.argpartition(-logits, k - 1, axis=-1)[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=-1)))


def confusion_matrix(labels, predictions, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs, true classes as rows."""
    matrix = np.zeros((num_classes, num_classes), "int64")
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def confusion_summary(
    matrix, class_names, max_classes: int = 20, max_pairs: int = 10
) -> str:
    """Per-class accuracy (worst first) and the most frequent confusions, as text.

    Args:
        matrix: A confusion matrix from `confusion_matrix`.
        class_names: Names of the classes, indexed like the matrix.
        max_classes: Show at most this many classes, the least accurate.
        max_pairs: Show at most this many confused pairs.
    """
    counts = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.diag(matrix) / counts
    present = np.flatnonzero(counts)
    order = present[np.argsort(accuracy[present], kind="stable")][:max_classes]
    width = max(len(name) for name in class_names)
    shown = (
        ""
        if len(order) == len(present)
        else f", the {len(order)} worst of {len(present)}"
    )
    lines = [f"Per-class accuracy (worst first{shown}):"]
    lines += [
        f"  {class_names[c]:<{width}}  {accuracy[c]:6.1%}  ({counts[c]} images)"
        for c in order
    ]
    errors = matrix.copy()
    np.fill_diagonal(errors, 0)
    pairs = np.argsort(errors, axis=None, kind="stable")[::-1][:max_pairs]
    pairs = [np.unravel_index(p, errors.shape) for p in pairs]
    pairs = [(t, p) for t, p in pairs if errors[t, p]]
    if not pairs:
        lines.append("No test image was misclassified.")
        return "\n".join(lines)
    lines.append("Most confused (true class -> predicted class: images):")
    lines += [
        f"  {class_names[t]} -> {class_names[p]}: {errors[t, p]}" for t, p in pairs
    ]
    return "\n".join(lines)
