"""Models saved under each backend, for the cross-backend tests.

`python tests/saved_models.py` (run once per backend with `KERAS_BACKEND`)
writes, with the inputs and outputs each gave:

- `tests/data/all_layers_<backend>.keras`: a model that uses every layer;
- `tests/data/preset_<backend>/`: a classifier's preset folder
  (`save_to_preset`), one family per backend.

The test suite then loads every backend's files under the backend in use and
checks that they reproduce the saving backend's outputs. Rerun it when a
saved format changes on purpose.
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
    x = layers.ResMLPBlock(layer_scale_init=0.5, drop_path_rate=0.1)(x)
    x = layers.Affine()(x)
    x = layers.MLP(12, output_dim=48)(x)
    x = layers.DropPath(0.2)(x)
    outputs = layers.PatchesToImage(16, 4)(x)
    model = keras.Model(inputs, outputs)
    # Random weights everywhere (the gate's and the Affine's start as
    # identities), so the check covers every weight.
    rng = np.random.default_rng(0)
    for weight in model.weights:
        weight.assign(0.3 * rng.standard_normal(weight.shape))
    return model


# One family per backend, so that every family's folder crosses backends.
PRESET_FAMILIES = {"tensorflow": "gmlp", "jax": "resmlp", "torch": "mixer"}


def preset_classifier(backend):
    from keras_mlpmix.models import ImageClassifier

    family = PRESET_FAMILIES[backend]
    return ImageClassifier.from_preset(
        f"{family}_cifar100",
        num_classes=3,
        image_size=16,
        patch_size=4,
        hidden_dim=8,
        num_blocks=1,
        include_preprocessing=True,
        **({"ffn_dim": 16} if family == "gmlp" else {}),
        **({"tokens_mlp_dim": 4, "channels_mlp_dim": 8} if family == "mixer" else {}),
    )


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

    classifier = preset_classifier(backend)
    rng = np.random.default_rng(2)
    for weight in classifier.weights:
        weight.assign(0.3 * rng.standard_normal(weight.shape))
    images = rng.integers(0, 256, (2, 20, 20, 3)).astype("uint8")
    folder = DATA / f"preset_{backend}"
    classifier.save_to_preset(folder, overwrite=True, class_names=["a", "b", "c"])
    np.savez(
        DATA / f"preset_{backend}.npz",
        inputs=images,
        outputs=keras.ops.convert_to_numpy(classifier(images)),
    )
    print(f"saved with {backend}: {folder}")


if __name__ == "__main__":
    main()
