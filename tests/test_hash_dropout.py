import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.layers import HashDropout
from keras_mlpmix.layers.hash_dropout import _mix, _positions


def _np(x):
    return keras.ops.convert_to_numpy(x)


def lowbias32(values):
    """The hash in uint32 NumPy arithmetic, written from its definition."""
    x = values.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def test_hash_wraps_like_uint32_arithmetic():
    values = np.random.default_rng(0).integers(-(2**31), 2**31, 10_000, "int64")
    values = np.concatenate([values, [0, 1, -1, 2**31 - 1, -(2**31)]]).astype("int32")
    hashed = _np(_mix(keras.ops.convert_to_tensor(values, "int32")))
    np.testing.assert_array_equal(hashed.view(np.uint32), lowbias32(values))


@given(st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_positions_are_the_row_major_index(shape):
    np.testing.assert_array_equal(
        _np(_positions(tuple(shape))), np.arange(np.prod(shape)).reshape(shape)
    )


def _masks(rate, shape=(256, 32, 32), seed=None, calls=1):
    layer = HashDropout(rate, seed=seed)
    x = np.ones(shape, "float32")
    return [_np(layer(x, training=True)) for _ in range(calls)]


@given(st.floats(0.01, 0.95), st.none() | st.integers(0, 2**16))
def test_elements_are_dropped_or_kept_and_scaled(rate, seed):
    # Unseeded, PyTorch takes its own dropout kernel: covered here too.
    x = np.random.default_rng(seed).random((8, 16, 12), "float32") + 0.5
    y = _np(HashDropout(rate, seed=seed)(x, training=True))
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / (1 - rate), rtol=1e-6)


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.5, 0.9])
def test_keep_fraction_and_independence_follow_the_rate(rate):
    (y,) = _masks(rate)
    keep = y != 0
    p = 1 - rate
    n = keep.size
    # Within five standard deviations of a binomial fraction.
    assert abs(keep.mean() - p) < 5 * np.sqrt(p * rate / n)
    # Neighbours along every axis are kept together as often as independent
    # draws would be, and so are the same element in two samples.
    for axis in range(3):
        first = np.take(keep, range(keep.shape[axis] - 1), axis=axis)
        second = np.take(keep, range(1, keep.shape[axis]), axis=axis)
        both = (first & second).mean()
        assert abs(both - p * p) < 5 * np.sqrt(p * p * (1 - p * p) / first.size)


def test_successive_calls_draw_independent_masks():
    first, second = (m != 0 for m in _masks(0.5, calls=2))
    both = (first & second).mean()
    assert abs(both - 0.25) < 5 * np.sqrt(0.25 * 0.75 / first.size)


def test_a_seed_reproduces_the_masks():
    a, b, c = _masks(0.3, seed=7), _masks(0.3, seed=7), _masks(0.3, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_set_random_seed_reproduces_unseeded_masks():
    masks = []
    for seed in (5, 5, 6):
        keras.utils.set_random_seed(seed)
        masks.append(_masks(0.3)[0])
    np.testing.assert_array_equal(masks[0], masks[1])
    assert not np.array_equal(masks[0], masks[2])


def test_noise_shape_shares_a_mask_along_its_unit_axes():
    x = np.ones((2000, 3, 4), "float32")
    y = _np(HashDropout(0.4, noise_shape=(None, 1, 4))(x, training=True))
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    assert abs((y[:, 0] != 0).mean() - 0.6) < 0.03


def test_identity_at_inference_and_for_rate_zero():
    x = np.random.default_rng(0).random((8, 3), "float32")
    np.testing.assert_array_equal(_np(HashDropout(0.5)(x)), x)
    np.testing.assert_array_equal(_np(HashDropout(0.0)(x, training=True)), x)


class _DropInTraining(keras.layers.Layer):
    """Calls HashDropout in training mode whatever mode the model runs in."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dropout = HashDropout(0.5)

    def call(self, inputs):
        return self.dropout(inputs, training=True)


@pytest.mark.parametrize("jit_compile", [True, False], ids=["jit", "graph"])
def test_compiled_masks_change_between_calls_with_an_unknown_batch(jit_compile):
    inputs = keras.Input((16,))  # batch size unknown when the graph is traced
    model = keras.Model(inputs, _DropInTraining()(inputs))
    model.compile(jit_compile=jit_compile and keras.backend.backend() != "torch")
    x = np.ones((64, 16), "float32")
    first, second = model.predict_on_batch(x), model.predict_on_batch(x)
    assert 0.4 < np.mean(first == 0) < 0.6
    assert not np.array_equal(first == 0, second == 0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"rate": 1.0}, ValueError, r"`rate` must be a float in \[0, 1\)"),
        ({"rate": "0.1"}, TypeError, r"`rate`"),
        ({"rate": 0.1, "noise_shape": 3}, TypeError, r"Received: noise_shape=3"),
        ({"rate": 0.1, "noise_shape": (None, 0)}, ValueError, r"noise_shape.*=0"),
    ],
)
def test_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        HashDropout(**kwargs)


def test_rejects_a_noise_shape_that_does_not_broadcast():
    with pytest.raises(ValueError, match=r"noise_shape=\(None, 2\).*\(4, 3\)"):
        HashDropout(0.1, noise_shape=(None, 2))(np.ones((4, 3), "float32"))
    with pytest.raises(ValueError, match=r"inputs' rank"):
        HashDropout(0.1, noise_shape=(None, 1))(np.ones((4, 3, 2), "float32"))
