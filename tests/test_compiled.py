"""A model made of every layer gives the eager outputs when compiled.

`jit_compile=True` means XLA on TensorFlow and JAX and `torch.compile` on
PyTorch. The per-layer battery covers XLA; this is the one place the suite
pays for a `torch.compile` build (about a minute and a half on two cores).
"""

import keras
import numpy as np

from saved_models import all_layers_model


def test_compiled_predictions_match_eager_ones():
    model = all_layers_model()
    inputs = np.random.default_rng(0).standard_normal((2, 16, 16, 3)).astype("float32")
    eager = keras.ops.convert_to_numpy(model(inputs))
    model.compile(jit_compile=True)
    assert model.jit_compile
    np.testing.assert_allclose(
        model.predict_on_batch(inputs), eager, rtol=1e-4, atol=1e-4
    )
