"""One battery of checks that every backbone family and its classifier go through.

`run_backbone_test` does for a backbone what keras-hub's `run_backbone_test`
does for its models, and `layer_harness.run_layer_test` for a layer: shapes
(eager and symbolic), config equal to the constructor arguments, `.keras`,
`.weights.h5` and preset-folder round trips, compiled execution, mixed
precision, the matrix products it reports and the refusal of misspelt
arguments. `run_classifier_test` does the same for an `ImageClassifier` on
it. A new family gets the whole battery by adding its row to `FAMILIES`.
"""

import inspect

import keras
import numpy as np
import pytest

from keras_mlpmix.models import (
    Backbone,
    FNetBackbone,
    ImageClassifier,
    MLPMixerBackbone,
    ResMLPBackbone,
    gMLPBackbone,
)

# Each family at a tiny size: 16x16 images, 4x4 patches (16 tokens), 8 channels.
FAMILIES = {
    "mixer": (MLPMixerBackbone, {"tokens_mlp_dim": 4, "channels_mlp_dim": 16}),
    "fnet": (FNetBackbone, {"ffn_dim": 16}),
    "gmlp": (gMLPBackbone, {"ffn_dim": 16}),
    "resmlp": (ResMLPBackbone, {"channels_mlp_dim": 16, "layer_scale_init": 0.1}),
}


def np_(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def small(family, **kwargs):
    backbone_cls, family_kwargs = FAMILIES[family]
    config = {
        "image_size": 16,
        "patch_size": 4,
        "hidden_dim": 8,
        "num_blocks": 2,
        **family_kwargs,
        **kwargs,
    }
    return backbone_cls(**config)


def images(shape=(2, 16, 16, 3), seed=0):
    return np.random.default_rng(seed).uniform(0, 1, shape).astype("float32")


def randomise(model, seed=0):
    """Random values for every weight, so that round trips cannot pass by luck."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        weight.assign(0.2 * rng.standard_normal(weight.shape))
    return model


def _matrix_weights(model):
    """Number of weights in the model's 2D kernels (its matrix products)."""
    return sum(
        int(np.prod(w.shape))
        for w in model.weights
        if len(w.shape) == 2 and not w.path.endswith(("bias", "embedding"))
    )


def run_backbone_test(backbone_cls, init_kwargs, tmp_path, image_size=(16, 16)):
    """Runs the whole battery on `backbone_cls(**init_kwargs)`."""
    x = images((2, *image_size, 3))
    backbone = randomise(backbone_cls(**init_kwargs))
    grid = backbone.patch_grid
    tokens = grid[0] * grid[1]
    assert backbone.num_patches == tokens
    outputs = np_(backbone(x))
    assert outputs.shape == (2, tokens, backbone.hidden_dim)
    assert tuple(backbone.output.shape) == (None, tokens, backbone.hidden_dim)

    # The config is exactly the constructor arguments (the family's, and those
    # its **kwargs pass on to Backbone), and rebuilds the model.
    config = backbone.get_config()
    parameters = {
        *inspect.signature(backbone_cls).parameters,
        *inspect.signature(Backbone).parameters,
    } - {"kwargs", "block", "norm"}
    assert set(config) == parameters
    clone = backbone_cls.from_config(config)
    assert clone.get_config() == config
    clone.set_weights(backbone.get_weights())
    np.testing.assert_array_equal(np_(clone(x)), outputs)

    # .keras, .weights.h5 and preset folder round trips.
    backbone.save(tmp_path / "backbone.keras")
    reloaded = keras.saving.load_model(tmp_path / "backbone.keras", safe_mode=True)
    assert type(reloaded) is backbone_cls
    np.testing.assert_array_equal(np_(reloaded(x)), outputs)
    backbone.save_weights(tmp_path / "backbone.weights.h5")
    fresh = backbone_cls(**init_kwargs)
    fresh.load_weights(tmp_path / "backbone.weights.h5")
    np.testing.assert_array_equal(np_(fresh(x)), outputs)
    backbone.save_to_preset(tmp_path / "preset")
    from_folder = Backbone.from_preset(str(tmp_path / "preset"))
    assert type(from_folder) is backbone_cls
    np.testing.assert_array_equal(np_(from_folder(x)), outputs)

    # Compiled inference matches eager inference.
    clone.compile(jit_compile=keras.backend.backend() != "torch")
    np.testing.assert_allclose(clone.predict_on_batch(x), outputs, rtol=1e-4, atol=1e-4)

    # Mixed precision: float32 weights, half-precision features, finite.
    for policy in ("mixed_float16", "mixed_bfloat16"):
        mixed = backbone_cls(**{**init_kwargs, "dtype": policy})
        features = mixed(x)
        compute = keras.DTypePolicy(policy).compute_dtype
        assert keras.backend.standardize_dtype(features.dtype) == compute
        assert all(w.dtype == "float32" for w in mixed.weights)
        assert np.isfinite(np_(keras.ops.cast(features, "float32"))).all()

    # The matrix products it reports are exactly its kernels, linear in the batch.
    shapes = backbone.matmul_shapes(batch_size=1)
    assert sum(s.k * s.n * s.count for s in shapes) == _matrix_weights(backbone)
    three = backbone.matmul_shapes(batch_size=3)
    assert sum(s.flops for s in three) == 3 * sum(s.flops for s in shapes)

    # Intermediate features: the last block's tokens, normalised, are the output.
    extractor = backbone.feature_extractor()
    names = [f"block_{i}" for i in backbone.default_feature_blocks()]
    features = extractor(x)
    assert list(features) == names
    last = features[f"block_{backbone.num_blocks - 1}"]
    np.testing.assert_allclose(
        np_(backbone.get_layer("norm")(last)), outputs, rtol=1e-5, atol=1e-5
    )
    first_and_last = backbone.feature_extractor(block_indices=[0, -1])(x)
    maps = backbone.feature_extractor(block_indices=[0, -1], feature_maps=True)(x)
    for name, value in maps.items():  # the tokens, laid out row by row on the grid
        assert value.shape == (2, *grid, backbone.hidden_dim), name
        np.testing.assert_array_equal(
            np_(value).reshape(2, tokens, -1), np_(first_and_last[name])
        )
    extractor.save(tmp_path / "features.keras")
    reloaded_features = keras.saving.load_model(tmp_path / "features.keras")(x)
    for name in names:
        np.testing.assert_allclose(
            np_(reloaded_features[name]), np_(features[name]), rtol=1e-6, atol=1e-6
        )

    # A misspelt argument is refused with the closest valid one.
    with pytest.raises(TypeError, match=r"unexpected keyword argument `hiden_dim`"):
        backbone_cls(**init_kwargs, hiden_dim=8)
    return backbone


def run_classifier_test(backbone, tmp_path, num_classes=3):
    """Runs the classifier battery on an `ImageClassifier` around `backbone`."""
    size = backbone.image_size
    x = images((2, *size, 3), seed=1)
    classifier = randomise(ImageClassifier(backbone, num_classes=num_classes), seed=2)
    logits = np_(classifier(x))
    assert logits.shape == (2, num_classes)
    np.testing.assert_allclose(
        logits,
        np_(classifier.get_layer("head")(np_(backbone(x)).mean(axis=1))),
        rtol=1e-5,
        atol=1e-5,
    )
    classifier.save(tmp_path / "classifier.keras")
    reloaded = keras.saving.load_model(tmp_path / "classifier.keras", safe_mode=True)
    assert type(reloaded) is ImageClassifier
    np.testing.assert_array_equal(np_(reloaded(x)), logits)
    classifier.save_to_preset(tmp_path / "classifier_preset")
    from_folder = ImageClassifier.from_preset(str(tmp_path / "classifier_preset"))
    np.testing.assert_array_equal(np_(from_folder(x)), logits)
    shapes = classifier.matmul_shapes(batch_size=2)
    assert shapes[-1].name == "head" and shapes[-1].n == num_classes
    return classifier
