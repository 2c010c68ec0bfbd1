"""The keras-io training recipe: its defaults, its checks and a short training run."""

import keras
import pytest

from keras_mlpmix.datasets import load_shapes
from keras_mlpmix.models import ImageClassifier
from keras_mlpmix.training import Recipe


@pytest.mark.parametrize(
    "preset, learning_rate",
    [("mixer_cifar100", 0.005), ("fnet_cifar100", 0.001), ("gmlp_cifar100", 0.003)],
)
def test_learning_rates_and_the_decay_per_step_of_the_published_runs(
    preset, learning_rate
):
    recipe = Recipe.for_preset(preset)
    assert recipe.learning_rate == learning_rate
    # Keras 3's AdamW removes learning_rate * weight_decay per step; the
    # published runs removed 1e-4.
    assert recipe.learning_rate * recipe.weight_decay == pytest.approx(1e-4)
    assert (recipe.batch_size, recipe.epochs, recipe.validation_split) == (128, 50, 0.1)


def test_explicit_values_win_and_none_keeps_the_default():
    recipe = Recipe.for_preset("mixer_cifar100", learning_rate=0.01, weight_decay=None)
    assert recipe.weight_decay == pytest.approx(0.01)
    assert Recipe(weight_decay=0.0).weight_decay == 0.0
    with pytest.raises(ValueError, match="Unknown preset"):
        Recipe.for_preset("mixer_xxl")
    with pytest.raises(ValueError, match="batch_size"):
        Recipe(batch_size=0)


def test_a_short_run_of_the_recipe_trains_and_keeps_the_classifier_free_of_it():
    (x_train, y_train), _, class_names = load_shapes(num_train=256, num_test=32)
    keras.utils.set_random_seed(0)
    classifier = ImageClassifier.from_preset(
        "mixer_cifar100",
        num_classes=len(class_names),
        include_preprocessing=True,
        image_size=32,
        num_blocks=1,
    )
    recipe = Recipe.for_preset("mixer_cifar100", epochs=3, batch_size=64)
    history = recipe.fit(classifier, x_train, y_train, seed=0, verbose=0)
    assert len(history.history["loss"]) == 3
    assert {"accuracy", "top5_accuracy", "val_loss", "val_accuracy"} <= set(
        history.history
    )
    losses = history.history["loss"]
    assert losses[-1] < losses[0]  # the recipe learns, even in three epochs
    # The augmentation wraps the classifier; the classifier itself holds none.
    assert not any("augmentation" in layer.name for layer in classifier.layers)
    assert getattr(classifier, "optimizer", None) is None  # never compiled itself


def test_recipe_arguments_are_checked():
    with pytest.raises(TypeError, match=r"flip"):
        Recipe(flip="yes")
    with pytest.raises(TypeError, match=r"Recipe.for_preset.*`epoch`.*`epochs`"):
        Recipe.for_preset("mixer_cifar100", epoch=3)
