"""A model that uses every layer, saved under each backend for cross-backend tests.

`python tests/saved_models.py` (run once per backend with `KERAS_BACKEND`)
writes `tests/data/all_layers_<backend>.keras` and the inputs and outputs it
gave. The test suite then loads every backend's file under the backend in use
and checks that it reproduces the saving backend's outputs. Rerun it when a
layer's saved format changes on purpose.
"""

import pathlib

import keras
import numpy as np

from keras_mlpmix import layers

DATA = pathlib.Path(__file__).parent / "data"
BACKENDS = ("tensorflow", "jax", "torch")


def all_layers_model():
    inputs = keras.Input((16, 16, 3))
    x = layers.Patches(4)(inputs)
    x = keras.layers.Dense(24)(x)
    x = layers.PositionEmbedding(16)(x)
    x = layers.MixerBlock(8, 32, drop_path_rate=0.1)(x)
    x = layers.FNetBlock(32, dropout_rate=0.1)(x)
    x = layers.gMLPBlock(32, approximate_gelu=True)(x)
    x = layers.MLP(12, output_dim=48)(x)
    x = layers.DropPath(0.2)(x)
    outputs = layers.PatchesToImage(16, 4)(x)
    model = keras.Model(inputs, outputs)
    # Random gate weights, so the check covers the spatial projection.
    for weight in model.weights:
        if "spatial_proj/kernel" in weight.path:
            weight.assign(np.random.default_rng(0).standard_normal(weight.shape) * 0.1)
    return model


def main():
    keras.utils.set_random_seed(0)
    backend = keras.backend.backend()
    model = all_layers_model()
    inputs = np.random.default_rng(1).standard_normal((2, 16, 16, 3)).astype("float32")
    outputs = keras.ops.convert_to_numpy(model(inputs))
    DATA.mkdir(exist_ok=True)
    model.save(DATA / f"all_layers_{backend}.keras")
    np.savez(DATA / f"all_layers_{backend}.npz", inputs=inputs, outputs=outputs)
    print(f"saved with {backend}: {DATA / f'all_layers_{backend}.keras'}")


if __name__ == "__main__":
    main()
