"""One battery of checks that every layer of the library goes through.

`run_layer_test` checks, for one layer configuration on the current backend:
output shape against `compute_output_shape` (eager and symbolic with a
`None` batch), config round trip, `.keras` round trip in safe mode, compiled
execution, mixed precision and gradients.
"""

import keras
import numpy as np

from backend_gradients import weight_gradients


def _numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _random_inputs(input_shape, seed=0):
    return np.random.default_rng(seed).standard_normal(input_shape).astype("float32")


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape,
    tmp_path,
    expected_num_trainable_weights=None,
    check_gradients=True,
    check_compiled=True,
):
    inputs = _random_inputs(input_shape)

    # Shapes: eager, and symbolic with an unknown batch size.
    layer = layer_cls(**init_kwargs)
    outputs = layer(inputs)
    assert tuple(outputs.shape) == tuple(expected_output_shape)
    assert tuple(layer.compute_output_shape(input_shape)) == tuple(
        expected_output_shape
    )
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights
    symbolic_inputs = keras.Input(shape=input_shape[1:])
    symbolic_outputs = layer_cls(**init_kwargs)(symbolic_inputs)
    assert tuple(symbolic_outputs.shape) == (None, *expected_output_shape[1:])

    # Config round trip: same config, same outputs with the same weights.
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config
    clone.build(input_shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(_numpy(clone(inputs)), _numpy(outputs))

    # .keras round trip of a functional model, in safe mode.
    model = keras.Model(symbolic_inputs, layer(symbolic_inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(_numpy(reloaded(inputs)), _numpy(model(inputs)))

    # Compiled execution (XLA on TensorFlow and JAX) matches eager execution.
    if check_compiled and keras.backend.backend() != "torch":
        model.compile(jit_compile=True)
        compiled = model.predict_on_batch(inputs)
        np.testing.assert_allclose(
            compiled, _numpy(model(inputs)), rtol=1e-4, atol=1e-4
        )

    # Mixed precision: float32 variables, half-precision compute, finite outputs.
    for policy in ("mixed_float16", "mixed_bfloat16"):
        mixed = layer_cls(**init_kwargs, dtype=policy)
        mixed_outputs = mixed(inputs)
        compute_dtype = keras.mixed_precision.DTypePolicy(policy).compute_dtype
        assert keras.backend.standardize_dtype(mixed_outputs.dtype) == compute_dtype
        assert all(v.dtype == "float32" for v in mixed.weights)
        assert np.isfinite(_numpy(keras.ops.cast(mixed_outputs, "float32"))).all()

    # Gradients: finite and non-zero for every trainable weight.
    if check_gradients and layer.trainable_weights:
        projection = _random_inputs(expected_output_shape, seed=1)
        grads = weight_gradients(layer, inputs, projection)
        for weight, grad in zip(layer.trainable_weights, grads, strict=True):
            assert grad is not None, weight.path
            assert np.isfinite(grad).all(), weight.path
            assert np.abs(grad).max() > 0, weight.path
    return layer
