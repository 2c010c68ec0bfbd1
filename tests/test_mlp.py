import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_reference as ref
from keras_mlpmix.layers import MLP


def _np(x):
    return keras.ops.convert_to_numpy(x)


@given(
    st.integers(1, 3),
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 12),
    st.booleans(),
)
def test_matches_the_float64_reference(batch, tokens, channels, hidden, approximate):
    layer = MLP(hidden, approximate_gelu=approximate)
    x = np.random.default_rng(0).standard_normal((batch, tokens, channels))
    out = _np(layer(x.astype("float32")))
    w = ref.weights_of(layer)
    expected = ref.mlp(
        x, w["fc1/kernel"], w["fc1/bias"], w["fc2/kernel"], w["fc2/bias"], approximate
    )
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@given(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9), st.integers(1, 12))
def test_mixing_axis_one_is_channel_mixing_of_the_transpose(
    batch, tokens, channels, hidden
):
    token_mlp = MLP(hidden, axis=1)
    x = (
        np.random.default_rng(1)
        .standard_normal((batch, tokens, channels))
        .astype("float32")
    )
    token_mlp.build(x.shape)
    ref.randomise(token_mlp)  # nonzero biases, whose axis is under test
    out = _np(token_mlp(x))
    channel_mlp = MLP(hidden)
    channel_mlp.build((batch, channels, tokens))
    # Same (in, out) kernel layout; the token biases carry a broadcast axis.
    channel_mlp.set_weights(
        [
            w.reshape(v.shape)
            for w, v in zip(token_mlp.get_weights(), channel_mlp.weights, strict=True)
        ]
    )
    expected = np.swapaxes(_np(channel_mlp(np.swapaxes(x, 1, 2))), 1, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_gelu_forms_differ_by_the_documented_gap():
    x = np.linspace(-4, 4, 801)
    gap = np.abs(ref.gelu(x) - ref.gelu(x, approximate=True)).max()
    assert 1e-4 < gap < 5e-4
    exact = MLP(4, kernel_initializer="identity", output_dim=4)
    approx = MLP(4, kernel_initializer="identity", output_dim=4, approximate_gelu=True)
    inputs = np.diag(np.linspace(-3, 3, 4)).astype("float32")[None]
    assert not np.allclose(_np(exact(inputs)), _np(approx(inputs)), rtol=0, atol=1e-6)


def test_dropout_is_active_only_in_training():
    layer = MLP(64, dropout_rate=0.5)
    x = np.ones((2, 4, 8), "float32")
    np.testing.assert_array_equal(_np(layer(x)), _np(layer(x, training=False)))
    assert not np.allclose(_np(layer(x, training=True)), _np(layer(x)))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"hidden_dim": 0}, ValueError, r"hidden_dim.*Received: hidden_dim=0"),
        ({"hidden_dim": 8.0}, TypeError, r"hidden_dim.*float"),
        ({"hidden_dim": 8, "output_dim": -1}, ValueError, r"output_dim.*-1"),
        ({"hidden_dim": 8, "axis": 0}, ValueError, r"non-batch axis.*axis=0"),
        (
            {"hidden_dim": 8, "dropout_rate": 1.0},
            ValueError,
            r"dropout_rate.*\[0, 1\).*1.0",
        ),
        ({"hidden_dim": 8, "gate": "relu"}, TypeError, r"gate.*Layer.*'relu'"),
    ],
)
def test_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MLP(**kwargs)


def test_rejects_an_axis_the_input_does_not_have():
    with pytest.raises(ValueError, match=r"axis=3 for input_shape=\(2, 4, 8\)"):
        MLP(8, axis=3)(np.zeros((2, 4, 8), "float32"))
