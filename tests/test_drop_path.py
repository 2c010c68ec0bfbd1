import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.layers import DropPath


def _np(x):
    return keras.ops.convert_to_numpy(x)


@given(st.floats(0.05, 0.9), st.integers(0, 2**16))
def test_each_sample_is_dropped_whole_or_kept_and_rescaled(rate, seed):
    x = np.random.default_rng(0).random((64, 5, 3), "float32") + 1.0
    out = _np(DropPath(rate, seed=seed)(x, training=True))
    dropped = np.all(out == 0, axis=(1, 2))
    np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - rate), rtol=1e-5)


def test_drop_fraction_follows_the_rate():
    x = np.ones((4000, 2), "float32")
    out = _np(DropPath(0.3, seed=0)(x, training=True))
    assert abs(np.mean(out[:, 0] == 0) - 0.3) < 0.04


def test_identity_at_inference_and_for_rate_zero():
    x = np.random.default_rng(0).random((8, 3), "float32")
    np.testing.assert_array_equal(_np(DropPath(0.5)(x)), x)
    np.testing.assert_array_equal(_np(DropPath(0.0)(x, training=True)), x)


class _DropInTraining(keras.layers.Layer):
    """Calls DropPath in training mode whatever mode the model runs in."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.drop_path = DropPath(0.5, seed=1)

    def call(self, inputs):
        return self.drop_path(inputs, training=True)


def test_masks_change_between_calls_of_a_compiled_function():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, _DropInTraining()(inputs))
    model.compile(jit_compile=keras.backend.backend() != "torch")
    x = np.ones((32, 4), "float32")
    first, second = model.predict_on_batch(x), model.predict_on_batch(x)
    assert 0 < np.sum(first == 0) < first.size
    assert not np.array_equal(first == 0, second == 0)


@pytest.mark.parametrize(
    "rate, error", [(-0.1, ValueError), (1.0, ValueError), ("0.1", TypeError)]
)
def test_rejects_bad_rates(rate, error):
    with pytest.raises(error, match=r"`rate` must be a float in \[0, 1\)"):
        DropPath(rate)
