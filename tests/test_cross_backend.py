"""Models and preset folders saved under one backend load under the others alike."""

import json

import keras
import numpy as np
import pytest

from keras_mlpmix.models import ImageClassifier
from saved_models import BACKENDS, DATA, PRESET_FAMILIES, all_layers_model


@pytest.mark.parametrize("saved_by", BACKENDS)
def test_model_saved_by_any_backend_loads_with_the_same_outputs(saved_by):
    reference = np.load(DATA / f"all_layers_{saved_by}.npz")
    model = keras.saving.load_model(
        DATA / f"all_layers_{saved_by}.keras", safe_mode=True
    )
    outputs = keras.ops.convert_to_numpy(model(reference["inputs"]))
    np.testing.assert_allclose(outputs, reference["outputs"], rtol=1e-4, atol=1e-4)


def test_saving_and_loading_under_the_current_backend(tmp_path):
    model = all_layers_model()
    inputs = np.random.default_rng(0).standard_normal((2, 16, 16, 3)).astype("float32")
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(reloaded(inputs)),
        keras.ops.convert_to_numpy(model(inputs)),
    )
    model.save_weights(tmp_path / "model.weights.h5")
    fresh = all_layers_model()
    fresh.load_weights(tmp_path / "model.weights.h5")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(fresh(inputs)),
        keras.ops.convert_to_numpy(model(inputs)),
    )


@pytest.mark.parametrize("saved_by", BACKENDS)
def test_a_preset_folder_saved_by_any_backend_loads_with_the_same_logits(saved_by):
    reference = np.load(DATA / f"preset_{saved_by}.npz")
    classifier = ImageClassifier.from_preset(str(DATA / f"preset_{saved_by}"))
    metadata = json.loads((DATA / f"preset_{saved_by}" / "metadata.json").read_text())
    assert metadata["preset"] == f"{PRESET_FAMILIES[saved_by]}_cifar100"
    logits = keras.ops.convert_to_numpy(classifier(reference["inputs"]))
    np.testing.assert_allclose(logits, reference["outputs"], rtol=1e-4, atol=1e-4)
    assert metadata["class_names"] == ["a", "b", "c"]
    assert metadata["parameter_count"] == classifier.count_params()
