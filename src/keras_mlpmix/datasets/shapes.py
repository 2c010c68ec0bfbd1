"""Shapes: a small image-classification set drawn procedurally, offline.

Telling a disk from a ring or a plus from a cross needs several patches, so a
model must mix information across tokens, not only across channels.
"""

from __future__ import annotations

import numpy as np

from keras_mlpmix.layers.argument_checks import (
    check_bool,
    check_int,
    check_positive_int,
)

SHAPE_NAMES = ("disk", "ring", "square", "diamond", "triangle", "plus", "cross", "bars")
COLOURS = {
    "red": (220, 40, 40),
    "green": (40, 200, 60),
    "blue": (50, 80, 230),
    "yellow": (230, 210, 40),
}
CLASS_NAMES = tuple(f"{colour} {shape}" for shape in SHAPE_NAMES for colour in COLOURS)
IMAGE_SIZE = 32
# Test images come from another stream of the generator: no image is in both sets.
_TEST_STREAM = 1


def _shape_masks(shape: str, dx, dy, radius):
    """Pixels inside `shape` centred at the origin, for offsets `dx`, `dy`."""
    ax, ay = np.abs(dx), np.abs(dy)
    if shape == "disk":
        return dx**2 + dy**2 <= radius**2
    if shape == "ring":
        d2 = dx**2 + dy**2
        return (d2 <= radius**2) & (d2 >= (0.6 * radius) ** 2)
    if shape == "square":
        return np.maximum(ax, ay) <= 0.8 * radius
    if shape == "diamond":
        return ax + ay <= radius
    if shape == "triangle":
        return (dy <= 0.7 * radius) & (dy >= 1.9 * ax - radius)
    if shape == "plus":
        return (np.minimum(ax, ay) <= 0.3 * radius) & (np.maximum(ax, ay) <= radius)
    if shape == "cross":
        au, av = np.abs(dx + dy) / np.sqrt(2), np.abs(dx - dy) / np.sqrt(2)
        return (np.minimum(au, av) <= 0.3 * radius) & (np.maximum(au, av) <= radius)
    # "bars": two horizontal stripes.
    stripe = np.floor((dy + radius) / (0.45 * radius)) % 2 == 0
    return stripe & (np.maximum(ax, ay) <= 0.85 * radius)


def draw_shapes(labels, seed: int, masks: bool = False):
    """Draws one image of each class in `labels`.

    Args:
        labels: Integer class indices into `CLASS_NAMES`.
        seed: Seed of the random position, size, tone and noise.
        masks: Also return a boolean array `(N, 32, 32)`, True on the shape.

    Returns:
        `uint8` images `(N, 32, 32, 3)`, and the masks if asked.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    count, size = len(labels), IMAGE_SIZE
    shape_index, colour_index = np.divmod(labels, len(COLOURS))
    radius = rng.uniform(0.22, 0.38, count).astype("float32") * size
    centre_x = rng.uniform(radius, size - radius).astype("float32")
    centre_y = rng.uniform(radius, size - radius).astype("float32")
    grid = np.arange(size, dtype="float32") + 0.5
    dx = grid[None, None, :] - centre_x[:, None, None]
    dy = grid[None, :, None] - centre_y[:, None, None]
    radius = radius[:, None, None]
    inside = np.zeros((count, size, size), bool)
    for index, shape in enumerate(SHAPE_NAMES):
        chosen = shape_index == index
        inside[chosen] = _shape_masks(shape, dx[chosen], dy[chosen], radius[chosen])
    palette = np.array(list(COLOURS.values()), "float32")
    foreground = palette[colour_index] + rng.normal(0, 15, (count, 3)).astype("float32")
    background = rng.uniform(0, 110, (count, 3)).astype("float32")
    images = np.where(
        inside[..., None], foreground[:, None, None, :], background[:, None, None, :]
    )
    images += rng.standard_normal(images.shape, dtype="float32") * 15
    images = np.clip(images, 0, 255).astype("uint8")
    return (images, inside) if masks else images


def load_shapes(
    num_train: int = 5000, num_test: int = 1000, seed: int = 0, masks: bool = False
):
    """Returns the Shapes image-classification set, generated offline.

    32 balanced classes, "<colour> <shape>": 8 shapes in 4 colours on a noisy
    background, with random position, size and tone. The same `seed` gives the
    same images on every machine; the default 6,000 take well under a second.

    Args:
        num_train: Number of training images.
        num_test: Number of test images, drawn independently of the training ones.
        seed: Seed of the generator, an integer >= 0.
        masks: Also return where each shape lies, for dense prediction.

    Returns:
        `(x_train, y_train), (x_test, y_test), class_names`: `uint8` images
        `(N, 32, 32, 3)`, `int64` labels `(N,)` and the 32 class names. With
        `masks`, each split is `(x, y, masks)`, masks boolean `(N, 32, 32)`.

    Example:

    >>> from keras_mlpmix.datasets import load_shapes
    >>> (x_train, y_train), (_, y_test), names = load_shapes(num_train=64, num_test=32)
    >>> x_train.shape, x_train.dtype.name, y_test.shape
    ((64, 32, 32, 3), 'uint8', (32,))
    >>> len(names), names[y_train[0]] in names
    (32, True)
    """
    num_train = check_positive_int("num_train", num_train)
    num_test = check_positive_int("num_test", num_test)
    seed = check_int("seed", seed, minimum=0)
    masks = check_bool("masks", masks)
    splits = []
    for stream, count in ((0, num_train), (_TEST_STREAM, num_test)):
        rng = np.random.default_rng([seed, stream])
        labels = rng.permutation(np.arange(count) % len(CLASS_NAMES)).astype("int64")
        images, inside = draw_shapes(labels, seed=rng.integers(2**32), masks=True)
        splits.append((images, labels, inside) if masks else (images, labels))
    return splits[0], splits[1], CLASS_NAMES
