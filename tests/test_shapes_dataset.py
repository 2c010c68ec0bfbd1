"""The offline Shapes dataset: deterministic, balanced, well-formed."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.datasets import load_shapes
from keras_mlpmix.datasets.shapes import CLASS_NAMES, COLOURS, SHAPE_NAMES, draw_shapes


def test_default_splits_shapes_and_value_ranges():
    (x_train, y_train), (x_test, y_test), class_names = load_shapes()
    assert x_train.shape == (5000, 32, 32, 3) and x_test.shape == (1000, 32, 32, 3)
    assert x_train.dtype == x_test.dtype == np.uint8
    assert y_train.shape == (5000,) and y_test.shape == (1000,)
    assert class_names == CLASS_NAMES
    assert len(class_names) == len(set(class_names)) == 32
    assert set(np.unique(y_train)) == set(np.unique(y_test)) == set(range(32))
    # Shapes, colours and noise use the whole range, not a sliver of it.
    assert x_train.min() == 0 and x_train.max() == 255
    assert 40 < x_train.mean() < 120


@given(st.integers(1, 300), st.integers(1, 100), st.integers(0, 2**31 - 1))
def test_same_seed_same_data_and_balanced_classes(num_train, num_test, seed):
    first = load_shapes(num_train, num_test, seed=seed)
    second = load_shapes(num_train, num_test, seed=seed)
    for (x1, y1), (x2, y2) in zip(first[:2], second[:2], strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    for _, labels in first[:2]:
        counts = np.bincount(labels, minlength=32)
        assert counts.max() - counts.min() <= 1
        assert labels.min() >= 0 and labels.max() < 32


@given(st.integers(0, 2**31 - 1))
def test_other_seeds_and_the_test_split_give_other_images(seed):
    (x_train, _), (x_test, _), _ = load_shapes(64, 64, seed=seed)
    (x_other, _), _, _ = load_shapes(64, 64, seed=seed + 1)
    assert not np.array_equal(x_train, x_other)
    assert not np.array_equal(x_train, x_test)


@given(st.sampled_from(range(len(CLASS_NAMES))), st.integers(0, 2**16))
def test_each_image_shows_its_colour_on_a_darker_background(label, seed):
    image = draw_shapes([label], seed=seed)[0].astype("float64")
    colour = np.array(list(COLOURS.values()))[label % len(COLOURS)]
    distance = np.linalg.norm(image - colour, axis=-1)
    # The shape covers a fair part of the image; its pixels are near the
    # class colour, up to the tone jitter and the noise.
    shape_pixels = distance < 80
    assert 0.03 < shape_pixels.mean() < 0.6
    assert CLASS_NAMES[label].split()[1] in SHAPE_NAMES


def test_masks_mark_the_shape_and_leave_the_images_as_they_were():
    plain = load_shapes(num_train=32, num_test=8)
    (x, _, masks), (x_test, _, _), _ = load_shapes(num_train=32, num_test=8, masks=True)
    np.testing.assert_array_equal(x, plain[0][0])
    np.testing.assert_array_equal(x_test, plain[1][0])
    assert masks.shape == (32, 32, 32) and masks.dtype == bool
    assert 0.05 < masks.mean() < 0.6
    # The shape's pixels are its colour, brighter than the dark background.
    inside = x[masks].mean()
    outside = x[~masks].mean()
    assert inside > outside
