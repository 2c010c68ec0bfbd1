import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.layers import platform_choices
from keras_mlpmix.models import (
    ImageClassifier,
    ImagePreprocessor,
    MLPMixerBackbone,
    XLAModel,
)
from model_harness import FAMILIES, images, np_, run_backbone_test, run_classifier_test
from model_harness import small as _small

_np = np_
_images = images


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_passes_the_backbone_and_classifier_batteries(family, tmp_path):
    backbone_cls, family_kwargs = FAMILIES[family]
    kwargs = {
        "image_size": (16, 12),
        "patch_size": 4,
        "hidden_dim": 8,
        "num_blocks": 2,
        "dropout_rate": 0.1,
        "drop_path_rate": 0.1,
        **family_kwargs,
    }
    backbone = run_backbone_test(backbone_cls, kwargs, tmp_path, image_size=(16, 12))
    run_classifier_test(backbone, tmp_path)


@pytest.mark.parametrize("family", FAMILIES)
def test_backbone_is_the_shared_skeleton_around_its_blocks(family):
    backbone = _small(family)
    assert type(backbone).__mro__[1].__name__ == "Backbone"
    position = ["position_embedding"] if family == "fnet" else []
    # On JAX on CPU, Mixer and gMLP put a fusion barrier before each block.
    barriers = type(backbone).uses_fusion_barrier and (
        platform_choices.uses_fusion_barrier()
    )
    blocks = []
    for index in range(2):
        blocks += [f"barrier_{index}"] if barriers else []
        blocks.append(f"block_{index}")
    assert [layer.name for layer in backbone.layers] == [
        "images",
        "patches",
        "stem",
        *position,
        *blocks,
        "norm",
    ]


@pytest.mark.parametrize("family", ["mixer", "fnet", "gmlp"])
def test_the_layer_norm_epsilon_reaches_every_norm(family):
    backbone = _small(family, layer_norm_epsilon=1e-3)
    assert backbone.get_layer("norm").epsilon == 1e-3
    assert backbone.get_layer("block_1").layer_norm_epsilon == 1e-3


def test_stem_equals_a_convolution_with_kernel_and_stride_of_the_patch():
    backbone = _small("mixer")
    stem = keras.Model(backbone.input, backbone.get_layer("stem").output)
    kernel, bias = backbone.get_layer("stem").get_weights()
    conv = keras.layers.Conv2D(8, 4, strides=4)
    conv.build((None, 16, 16, 3))
    conv.set_weights([kernel.reshape(4, 4, 3, 8), bias])
    images = _images()
    np.testing.assert_allclose(
        _np(stem(images)),
        _np(conv(images)).reshape(2, 16, 8),
        rtol=1e-5,
        atol=1e-5,
    )


@given(
    grid=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    patch=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    family=st.sampled_from(sorted(FAMILIES)),
)
def test_images_of_patch_multiples_give_one_token_per_patch(grid, patch, family):
    image_size = (grid[0] * patch[0], grid[1] * patch[1])
    backbone = _small(family, image_size=image_size, patch_size=patch, num_blocks=1)
    assert backbone.num_patches == grid[0] * grid[1]
    features = backbone(np.zeros((1, *image_size, 3), "float32"))
    assert tuple(features.shape) == (1, grid[0] * grid[1], 8)


@given(num_blocks=st.integers(1, 8), rate=st.floats(0.0, 0.9))
def test_drop_path_rate_grows_linearly_from_zero_to_the_last_block(num_blocks, rate):
    backbone = MLPMixerBackbone(
        image_size=2,
        patch_size=1,
        hidden_dim=2,
        num_blocks=num_blocks,
        tokens_mlp_dim=2,
        channels_mlp_dim=2,
        drop_path_rate=rate,
    )
    rates = np.array(
        [backbone.get_layer(f"block_{i}").drop_path.rate for i in range(num_blocks)]
    )
    assert rates[0] == 0.0
    if num_blocks > 1:
        assert rates[-1] == pytest.approx(rate)
        np.testing.assert_allclose(np.diff(rates), rate / (num_blocks - 1), atol=1e-12)


@pytest.mark.parametrize(
    "family, kwargs, error, match",
    [
        (
            "mixer",
            {"image_size": 30, "patch_size": 8},
            ValueError,
            r"height.*image_size=\(30, 30\), patch_size=\(8, 8\).*multiples of 8, "
            r"e\.g\. 24 or 32",
        ),
        (
            "fnet",
            {"image_size": (16, 20), "patch_size": 8},
            ValueError,
            r"image width.*image_size=\(16, 20\).*e\.g\. 16 or 24",
        ),
        ("gmlp", {"image_size": 0}, ValueError, r"image_size.*=0"),
        ("mixer", {"hidden_dim": 0}, ValueError, r"hidden_dim.*=0"),
        ("fnet", {"num_blocks": 1.5}, TypeError, r"num_blocks.*1\.5"),
        ("gmlp", {"drop_path_rate": 1.0}, ValueError, r"drop_path_rate.*\[0, 1\)"),
        ("mixer", {"layer_norm_epsilon": 0.0}, ValueError, r"layer_norm_epsilon"),
        ("mixer", {"tokens_mlp_dim": -1}, ValueError, r"tokens_mlp_dim.*=-1"),
        ("gmlp", {"ffn_dim": 15}, ValueError, r"ffn_dim.*even.*=15"),
        ("fnet", {"dropout_rate": -0.1}, ValueError, r"dropout_rate"),
    ],
)
def test_backbones_reject_bad_arguments(family, kwargs, error, match):
    with pytest.raises(error, match=match):
        _small(family, **kwargs)


def test_classifier_keras_file_round_trip(tmp_path):
    classifier = ImageClassifier(
        _small("gmlp"),
        num_classes=5,
        pooling="max",
        dropout_rate=0.1,
        preprocessor=ImagePreprocessor(16, mean=0.5, std=(0.2, 0.3, 0.4)),
        head_dtype="float32",
    )
    images = np.random.default_rng(0).integers(0, 256, (2, 8, 12, 3), "uint8")
    path = tmp_path / "classifier.keras"
    classifier.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert type(reloaded) is ImageClassifier
    assert reloaded.backbone.get_config() == classifier.backbone.get_config()
    assert reloaded.preprocessor.get_config() == classifier.preprocessor.get_config()
    assert reloaded.pooling == "max"
    assert reloaded.head_dtype.name == "float32"
    np.testing.assert_array_equal(_np(reloaded(images)), _np(classifier(images)))


def test_weights_file_round_trip(tmp_path):
    def build():
        return ImageClassifier(_small("mixer"), num_classes=3)

    classifier, other = build(), build()
    images = _images()
    assert not np.allclose(_np(other(images)), _np(classifier(images)))
    path = tmp_path / "classifier.weights.h5"
    classifier.save_weights(path)
    other.load_weights(path)
    np.testing.assert_array_equal(_np(other(images)), _np(classifier(images)))


@pytest.mark.parametrize("wrap", [False, True], ids=["backbone", "classifier"])
def test_weights_of_another_image_size_do_not_load_into_a_mixer(wrap, tmp_path):
    def build(image_size):
        backbone = _small("mixer", image_size=image_size)
        return ImageClassifier(backbone, num_classes=3) if wrap else backbone

    path = tmp_path / "small.weights.h5"
    build(16).save_weights(path)
    model = build(32)
    before = [np_(weight).copy() for weight in model.weights]
    with pytest.raises(
        ValueError,
        match=r"image_size=\(32, 32\), patch_size=\(4, 4\).*Nothing was loaded.*"
        r"64 patches \(8x8\).*another image or patch size",
    ):
        model.load_weights(path)
    for weight, value in zip(model.weights, before, strict=True):
        np.testing.assert_array_equal(np_(weight), value, err_msg=weight.path)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_refused_weights_file_leaves_every_weight_unchanged(family, tmp_path):
    # Another number of classes: Keras refuses the head only after loading
    # the backbone, which must be put back.
    path = tmp_path / "other.weights.h5"
    ImageClassifier(_small(family), num_classes=5).save_weights(path)
    model = ImageClassifier(_small(family), num_classes=3)
    before = [np_(weight).copy() for weight in model.weights]
    with pytest.raises(ValueError, match=r"3 classes.*Nothing was loaded"):
        model.load_weights(path)
    for weight, value in zip(model.weights, before, strict=True):
        np.testing.assert_array_equal(np_(weight), value, err_msg=weight.path)


def test_a_few_training_steps_reduce_the_loss():
    classifier = ImageClassifier(_small("mixer"), num_classes=4)
    classifier.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    # Each class is a fixed pattern under noise: learnable, unlike pure noise,
    # so the margin does not hang on the initialisation (measured over 10
    # seeds per backend: the loss falls to 1-21% of its start).
    labels = np.arange(16) % 4
    images = _images((4, 16, 16, 3), seed=1)[labels] + 0.5 * _images((16, 16, 16, 3))
    before = classifier.evaluate(images, labels, verbose=0)
    classifier.fit(images, labels, epochs=20, batch_size=8, verbose=0)
    after = classifier.evaluate(images, labels, verbose=0)
    assert after < 0.5 * before


def test_summary_lists_the_parts():
    lines = []
    classifier = ImageClassifier(_small("fnet"), num_classes=3)
    classifier.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    for part in ("FNetBackbone", "pooling", "head_dropout", "head", "Total params"):
        assert part in text


def test_plot_graph_shows_the_backbone_inside_the_classifier():
    import pydot  # keras.utils.model_to_dot needs it; plot_model also needs graphviz

    classifier = ImageClassifier(_small("mixer"), num_classes=3)
    dot = keras.utils.model_to_dot(classifier, expand_nested=True, show_shapes=True)
    assert isinstance(dot, pydot.Dot)
    graph = dot.to_string()
    assert "cluster_mlp_mixer_backbone" in graph
    for name in ("patches", "stem", "block_0", "block_1", "norm", "pooling", "head"):
        assert f"<b>{name}</b>" in graph
    assert "(None, 16, 8)" in graph  # the backbone's token features


def test_mixed_precision_with_a_float32_head():
    backbone = _small("gmlp", dtype="mixed_bfloat16")
    classifier = ImageClassifier(backbone, num_classes=3, head_dtype="float32")
    features = backbone(_images())
    assert keras.backend.standardize_dtype(features.dtype) == "bfloat16"
    assert all(weight.dtype == "float32" for weight in backbone.weights)
    logits = classifier(_images())
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    assert np.isfinite(_np(logits)).all()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"pooling": "token_avg"},
            ValueError,
            r"pooling.*\('avg', 'max', None\).*token_avg",
        ),
        ({"pooling": ["avg"]}, ValueError, r"pooling.*\['avg'\]"),
        ({"num_classes": 0}, ValueError, r"num_classes.*=0"),
        ({"dropout_rate": 1.5}, ValueError, r"dropout_rate"),
        (
            {"preprocessor": ImagePreprocessor(32)},
            ValueError,
            r"image_size equals the backbone's, \(16, 16\).*image_size=\(32, 32\)",
        ),
    ],
)
def test_classifier_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ImageClassifier(_small("mixer"), **{"num_classes": 3, **kwargs})


def test_classifier_needs_a_backbone():
    with pytest.raises(TypeError, match=r"Backbone.*Sequential"):
        ImageClassifier(keras.Sequential([keras.layers.Dense(2)]), num_classes=3)


@given(
    mean=st.lists(st.floats(-1, 1), min_size=3, max_size=3),
    std=st.lists(st.floats(0.1, 2), min_size=3, max_size=3),
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
)
def test_preprocessor_normalises_uint8_images_like_numpy(mean, std, size):
    images = np.random.default_rng(0).integers(0, 256, (2, *size, 3), "uint8")
    outputs = ImagePreprocessor(size, mean=mean, std=std)(images)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float32"
    expected = (images / 255.0 - np.array(mean)) / np.array(std)
    np.testing.assert_allclose(_np(outputs), expected, rtol=1e-5, atol=1e-5)


def test_preprocessor_resizes_to_the_backbone_size():
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), "uint8")
    layer = ImagePreprocessor(64, scale=1.0, interpolation="nearest")
    outputs = layer(images)
    assert tuple(outputs.shape) == (2, 64, 64, 3)
    expected = images.repeat(2, axis=1).repeat(2, axis=2)
    np.testing.assert_array_equal(_np(outputs), expected)
    assert tuple(ImagePreprocessor((24, 40))(images).shape) == (2, 24, 40, 3)


def test_preprocessor_config_round_trip():
    layer = ImagePreprocessor((8, 12), mean=[0.5], std=0.25, interpolation="bicubic")
    clone = ImagePreprocessor.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    images = np.random.default_rng(0).integers(0, 256, (1, 5, 7, 3), "uint8")
    np.testing.assert_array_equal(_np(clone(images)), _np(layer(images)))


def test_preprocessor_follows_the_compute_dtype():
    outputs = ImagePreprocessor(4, dtype="mixed_bfloat16")(np.zeros((1, 4, 4, 3)))
    assert keras.backend.standardize_dtype(outputs.dtype) == "bfloat16"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"interpolation": "lanczos3"},
            ValueError,
            r"interpolation.*bilinear.*lanczos3",
        ),
        ({"std": 0.0}, ValueError, r"std.*positive"),
        ({"std": [0.2, -1.0, 0.2]}, ValueError, r"std.*=-1"),
        ({"mean": "imagenet"}, TypeError, r"mean.*'imagenet'"),
        ({"scale": 0}, ValueError, r"scale"),
        ({"image_size": (4, 4, 4)}, ValueError, r"image_size"),
    ],
)
def test_preprocessor_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ImagePreprocessor(**{"image_size": 4, **kwargs})


def test_preprocessor_checks_the_number_of_channels():
    with pytest.raises(ValueError, match=r"mean.*one per channel \(3\)"):
        ImagePreprocessor(4, mean=(0.1, 0.2))(np.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"rank 4"):
        ImagePreprocessor(4)(np.zeros((4, 4, 3)))


@pytest.mark.parametrize("family", FAMILIES)
def test_loss_scaled_float16_training_stays_finite(family):
    # The Fourier transform and LayerNorm statistics run in float32; the loss
    # is scaled so that float16 gradients do not underflow.
    backbone = _small(family, dtype="mixed_float16")
    classifier = ImageClassifier(backbone, num_classes=3, head_dtype="float32")
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-2))
    classifier.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    images, labels = _images((8, 16, 16, 3)), np.arange(8) % 3
    history = classifier.fit(images, labels, epochs=3, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(np.isfinite(_np(weight)).all() for weight in classifier.weights)
    assert np.isfinite(classifier.predict_on_batch(images)).all()
    assert float(_np(optimizer.dynamic_scale)) > 1  # the loss was scaled


def _classifier(**kwargs):
    return ImageClassifier(_small("mixer", dropout_rate=0.1), num_classes=3, **kwargs)


def test_backbones_and_classifiers_are_xla_models():
    classifier = _classifier()
    assert isinstance(classifier, XLAModel)
    assert isinstance(classifier.backbone, XLAModel)


def test_compile_auto_means_xla_on_tensorflow_and_jax_and_eager_on_torch():
    classifier = _classifier()
    classifier.compile()
    assert classifier.jit_compile is (keras.backend.backend() != "torch")


@pytest.mark.parametrize("jit_compile", [False, True])
def test_compile_keeps_an_explicit_jit_choice(jit_compile):
    classifier = _classifier()
    classifier.compile(jit_compile=jit_compile)
    assert classifier.jit_compile is jit_compile


def test_run_eagerly_turns_xla_off():
    classifier = _classifier()
    classifier.compile(run_eagerly=True)
    assert classifier.jit_compile is False
    assert classifier.run_eagerly is True


def test_default_compiled_model_predicts_and_trains_like_the_eager_one():
    # Raw uint8 images of another size: the resizing compiles too.
    classifier = _classifier(preprocessor=ImagePreprocessor(image_size=16))
    images = np.random.default_rng(0).integers(0, 256, (4, 24, 24, 3), "uint8")
    labels = np.array([0, 1, 2, 0])
    eager = _np(classifier(images))
    classifier.compile(
        optimizer="sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    np.testing.assert_allclose(
        classifier.predict_on_batch(images), eager, rtol=1e-5, atol=1e-5
    )
    assert np.isfinite(classifier.train_on_batch(images, labels))


def test_channels_first_keras_default_changes_nothing():
    # Tokens are (batch, patches, channels) and images channels-last whatever
    # the global image format.
    classifier = ImageClassifier(_small("mixer"), num_classes=3)
    x = _images()
    expected = _np(classifier(x))
    keras.config.set_image_data_format("channels_first")
    try:
        again = ImageClassifier(_small("mixer"), num_classes=3)
        again.set_weights(classifier.get_weights())
        assert again.get_layer("head").kernel.shape == (8, 3)
        np.testing.assert_allclose(_np(again(x)), expected, rtol=1e-6, atol=1e-6)
        with pytest.raises(
            ValueError,
            match=r"takes inputs of shape \(None, 16, 16, 3\).*look channels-first",
        ):
            again(np.moveaxis(x, -1, 1))
    finally:
        keras.config.set_image_data_format("channels_last")


def test_without_pooling_the_head_gives_per_patch_logits():
    backbone = _small("gmlp")
    classifier = ImageClassifier(backbone, num_classes=5, pooling=None)
    x = _images()
    logits = _np(classifier(x))
    assert logits.shape == (2, 16, 5)
    head = classifier.get_layer("head")
    np.testing.assert_allclose(
        logits, _np(head(_np(backbone(x)))), rtol=1e-5, atol=1e-5
    )


def test_with_num_classes_keeps_the_backbone_and_starts_a_fresh_head():
    classifier = ImageClassifier(_small("resmlp"), num_classes=3, dropout_rate=0.1)
    other = classifier.with_num_classes(7)
    assert other.backbone is classifier.backbone
    assert other.output_shape == (None, 7)
    assert (other.pooling, other.dropout_rate) == ("avg", 0.1)
    tokens = classifier.with_num_classes(2, pooling=None)
    assert tokens.output_shape == (None, 16, 2)
    x = _images()
    np.testing.assert_array_equal(_np(other.backbone(x)), _np(classifier.backbone(x)))
    with pytest.raises(ValueError, match=r"num_classes.*=0"):
        classifier.with_num_classes(0)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_reloaded_compiled_classifier_resumes_training_as_if_never_stopped(
    family, tmp_path
):
    # Without dropout: Keras saves no dropout seed state, so masks after a
    # reload would differ from an uninterrupted run's. Adam's epsilon is
    # raised because a Mixer's token-MLP output bias shifts every channel of
    # a token alike, which the next LayerNorm removes: its gradient is
    # rounding noise, and with the default epsilon Adam scales that noise
    # into steps as large as real ones.
    def compiled():
        keras.utils.set_random_seed(3)
        model = ImageClassifier(_small(family), num_classes=4)
        model.compile(
            optimizer=keras.optimizers.AdamW(1e-2, epsilon=1e-4),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return model

    x, y = _images((8, 16, 16, 3)), np.arange(8) % 4
    uninterrupted = compiled()
    uninterrupted.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    stopped = compiled()
    stopped.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    stopped.save(tmp_path / "stopped.keras")
    resumed = keras.saving.load_model(tmp_path / "stopped.keras")
    assert resumed.optimizer is not None and resumed.loss is not None
    assert int(_np(resumed.optimizer.iterations)) == 2
    resumed.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for expected, weight in zip(uninterrupted.weights, resumed.weights, strict=True):
        np.testing.assert_allclose(
            _np(weight), _np(expected), rtol=1e-5, atol=1e-6, err_msg=weight.path
        )


@pytest.mark.parametrize(
    "num_blocks, expected",
    [
        (1, (0,)),
        (2, (0, 1)),
        (4, (0, 1, 2, 3)),
        (12, (2, 5, 8, 11)),
        (30, (7, 14, 21, 29)),
    ],
)
def test_the_default_features_are_four_evenly_spaced_blocks_ending_with_the_last(
    num_blocks, expected
):
    backbone = _small("resmlp", num_blocks=num_blocks)
    assert backbone.default_feature_blocks() == expected


@pytest.mark.parametrize(
    "indices, error, match",
    [
        ([2], ValueError, r"block_indices.*at most 1"),
        ([-3], ValueError, r"block_indices.*-2"),
        ([0, -2], ValueError, r"names block 0 twice"),
        ([], ValueError, r"at least one block"),
        ("0", TypeError, r"sequence of block indices"),
        ([0.5], TypeError, r"block_indices"),
    ],
)
def test_feature_extractor_refuses_indices_it_cannot_take(indices, error, match):
    with pytest.raises(error, match=match):
        _small("mixer").feature_extractor(block_indices=indices)
