"""The keras-io training recipe: its defaults and one short training run."""

import pytest

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
