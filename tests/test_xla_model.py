"""`compile()` of the backbones and the classifier picks XLA on TensorFlow too."""

import keras
import numpy as np
import pytest

from keras_mlpmix.models import (
    ImageClassifier,
    ImagePreprocessor,
    MLPMixerBackbone,
    XLAModel,
)


def _classifier(**kwargs):
    backbone = MLPMixerBackbone(
        image_size=16,
        patch_size=4,
        hidden_dim=8,
        num_blocks=1,
        tokens_mlp_dim=4,
        channels_mlp_dim=16,
        dropout_rate=0.1,
    )
    return ImageClassifier(backbone, num_classes=3, **kwargs)


def test_backbones_and_classifiers_are_xla_models():
    classifier = _classifier()
    assert isinstance(classifier, XLAModel)
    assert isinstance(classifier.backbone, XLAModel)


def test_auto_means_xla_on_tensorflow_and_jax_and_eager_on_torch():
    classifier = _classifier()
    classifier.compile()
    assert classifier.jit_compile is (keras.backend.backend() != "torch")


@pytest.mark.parametrize("jit_compile", [False, True])
def test_an_explicit_choice_is_kept(jit_compile):
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
    eager = keras.ops.convert_to_numpy(classifier(images))
    classifier.compile(
        optimizer="sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    np.testing.assert_allclose(
        classifier.predict_on_batch(images), eager, rtol=1e-5, atol=1e-5
    )
    assert np.isfinite(classifier.train_on_batch(images, labels))
