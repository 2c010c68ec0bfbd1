"""A trained ImageClassifier exports for serving and the export gives its outputs.

`model.export(path, format="tf_saved_model")` is checked on the TensorFlow
backend, reloaded both with `tf.saved_model.load` and as a Keras layer
(`keras.layers.TFSMLayer`). `format="onnx"` is checked on every backend and
reloaded with ONNX Runtime; Keras converts with tf2onnx (TensorFlow),
jax2onnx (JAX) and the `torch.onnx` exporter with onnxscript (PyTorch),
which the tox environments install.
"""

import functools

import keras
import numpy as np
import pytest

from keras_mlpmix import ImageClassifier

BACKEND = keras.backend.backend()
PRESETS = {"mixer": "mixer_cifar100", "gmlp": "gmlp_cifar100", "fnet": "fnet_cifar100"}
IMAGE_SIZE = 16
# Float32 round-off between the model and the exported graph; measured
# differences are below 1e-6.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}

# Known upstream limitations. FNet's Fourier mixing needs complex numbers:
# tf2onnx has no converter for TensorFlow's Complex, Real and Imag ops
# (onnx/tensorflow-onnx#1959), and jax2onnx converts only 1D FFTs of complex
# inputs ("Only 1D FFT with at most one explicit length is supported",
# jax2onnx/plugins/jax/lax/fft.py). The PyTorch exporter converts it.
ONNX_UNSUPPORTED = {
    ("fnet", "tensorflow"): "tf2onnx cannot convert TensorFlow's Complex/Real "
    "ops that FFTs need (onnx/tensorflow-onnx#1959)",
    ("fnet", "jax"): "jax2onnx converts only 1D FFTs, not the 2D FFT of "
    "Fourier mixing (jax2onnx lax.fft plugin)",
}


def _classifier(family):
    keras.utils.set_random_seed(0)
    return ImageClassifier.from_preset(
        PRESETS[family],
        num_classes=5,
        image_size=IMAGE_SIZE,
        patch_size=4,
        hidden_dim=16,
        num_blocks=1,
    )


def _test_images():
    rng = np.random.default_rng(1)
    return rng.uniform(0, 1, (3, IMAGE_SIZE, IMAGE_SIZE, 3)).astype("float32")


@functools.cache
def _trained(family):
    """A one-block classifier after two training steps, and its test outputs."""
    model = _classifier(family)
    # On TensorFlow two eager steps cost less than tracing a training function;
    # on JAX, compiling one costs less than running eagerly.
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        run_eagerly=BACKEND == "tensorflow",
    )
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (16, IMAGE_SIZE, IMAGE_SIZE, 3)).astype("float32")
    model.fit(images, np.arange(16) % 5, batch_size=8, epochs=1, verbose=0)
    # Inference mode: the presets' dropout must be off in the export too.
    expected = keras.ops.convert_to_numpy(model(_test_images(), training=False))
    return model, expected


@pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="TF SavedModel export is tested on the TensorFlow backend only: on JAX "
    "Keras needs TensorFlow installed beside it (jax2tf), on PyTorch torch_xla",
)
@pytest.mark.parametrize("family", PRESETS)
def test_tf_saved_model_reloads_with_the_models_outputs(family, tmp_path):
    import tensorflow as tf

    model, expected = _trained(family)
    images = _test_images()
    path = str(tmp_path / "served")
    model.export(path, format="tf_saved_model", verbose=False)

    served = tf.saved_model.load(path)
    np.testing.assert_allclose(served.serve(images).numpy(), expected, **TOLERANCE)
    layer = keras.layers.TFSMLayer(path, call_endpoint="serve")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(images)), expected, **TOLERANCE
    )


@pytest.mark.parametrize(
    "family",
    [
        pytest.param(
            family,
            marks=pytest.mark.xfail(
                reason=ONNX_UNSUPPORTED[family, BACKEND], strict=True
            ),
        )
        if (family, BACKEND) in ONNX_UNSUPPORTED
        else family
        for family in PRESETS
    ],
)
def test_onnx_export_runs_in_onnx_runtime_with_the_models_outputs(family, tmp_path):
    import onnxruntime

    images = _test_images()
    if (family, BACKEND) in ONNX_UNSUPPORTED:
        # The converter fails whatever the weights: spare the training.
        model = _classifier(family)
        expected = keras.ops.convert_to_numpy(model(images, training=False))
    else:
        model, expected = _trained(family)
    # Keras exports PyTorch models to ONNX only for fixed input shapes.
    signature = (
        [keras.InputSpec(shape=images.shape, dtype="float32")]
        if BACKEND == "torch"
        else None
    )
    path = str(tmp_path / "model.onnx")
    model.export(path, format="onnx", verbose=False, input_signature=signature)

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (onnx_input,) = session.get_inputs()
    (logits,) = session.run(None, {onnx_input.name: images})
    np.testing.assert_allclose(logits, expected, **TOLERANCE)
