"""Pretrained presets: their rows, and `from_preset(weights=...)` end to end, offline."""

import logging
import os
import re
import sys
import types

import keras
import numpy as np
import pytest

from keras_mlpmix.models import Backbone, ImageClassifier, presets
from keras_mlpmix.weights import export_checkpoint
from offline_stand_ins import stand_in_pretrained_presets

PRETRAINED = presets.pretrained_names()
TIMM = "mixer_b16_224.goog_in21k_ft_in1k"
OFFICIAL = "mixer_b16_224.official_in21k"
GMLP = "gmlp_s16_224.ra3_in1k"
RESMLP = "resmlp_12_224.fb_in1k"


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _images(size=224, seed=0):
    return (
        np.random.default_rng(seed).uniform(-1, 1, (2, size, size, 3)).astype("float32")
    )


@pytest.fixture
def offline(tmp_path, monkeypatch):
    stand_in_pretrained_presets(monkeypatch, tmp_path)
    return tmp_path / "keras_home" / "keras_mlpmix"


@pytest.mark.parametrize("name", PRETRAINED)
def test_pretrained_rows_name_their_source_and_its_conventions(name):
    row = presets.PRESETS[name]
    architecture, tag = name.split(".")
    assert architecture in presets.PRESETS
    assert row["backbone"] == presets.PRESETS[architecture]["backbone"]
    weights = row["weights"]
    assert weights["sha256"] is None or re.fullmatch(r"[0-9a-f]{64}", weights["sha256"])
    if tag.startswith("official_"):
        assert weights["format"] == "npz"
        assert re.fullmatch(
            r"https://storage\.googleapis\.com/mixer_models/\w+/Mixer-[SBL]_\d+\.npz",
            weights["url"],
        )
        # The official Flax model uses tanh GELU.
        assert row["config"]["approximate_gelu"] is True
        assert row["mean"] == row["std"] == (0.5, 0.5, 0.5)
    else:
        assert weights == {
            "url": f"https://huggingface.co/timm/{name}/resolve/main/model.safetensors",
            "format": "safetensors",
            "sha256": weights["sha256"],
        }
        assert row["config"]["approximate_gelu"] is False
        assert row["license"] == "apache-2.0"
    # ImageNet-21k heads: 21843 classes, 11221 for ImageNet-21K-P ("miil").
    if tag.endswith("in21k"):
        assert row["num_classes"] == (11221 if tag.startswith("miil") else 21843)
    else:
        assert row["num_classes"] == 1000


def test_the_normalisation_follows_the_source():
    assert presets.PRESETS["mixer_b16_224.miil_in21k"]["mean"] == (0.0, 0.0, 0.0)
    assert presets.PRESETS["mixer_b16_224.miil_in21k"]["std"] == (1.0, 1.0, 1.0)
    # timm's configuration for its gMLP-S weights: 0.5, like the Mixers.
    assert presets.PRESETS[GMLP]["mean"] == presets.PRESETS[GMLP]["std"] == (0.5,) * 3
    assert presets.PRESETS[TIMM]["mean"] == (0.5, 0.5, 0.5)
    # timm's ResMLP checkpoints use ImageNet's statistics.
    assert presets.PRESETS[RESMLP]["mean"] == (0.485, 0.456, 0.406)
    assert presets.PRESETS[RESMLP]["std"] == (0.229, 0.224, 0.225)


@pytest.mark.parametrize("name", [TIMM, OFFICIAL, RESMLP])
def test_weights_download_once_then_load_from_the_cache(offline, name, caplog):
    with caplog.at_level(logging.INFO, logger="keras_mlpmix"):
        first = ImageClassifier.from_preset(name)
    assert "Loaded" in caplog.text
    downloads = os.listdir(offline / "checkpoints")
    assert downloads == [f"{name}.{presets.PRESETS[name]['weights']['format']}"]
    # The published file is not needed any more.
    os.remove(presets.PRESETS[name]["weights"]["url"].removeprefix("file://"))
    second = ImageClassifier.from_preset(name, weights=True)
    np.testing.assert_array_equal(_np(second(_images())), _np(first(_images())))
    backbone = Backbone.from_preset(name)
    np.testing.assert_array_equal(
        _np(backbone(_images())), _np(first.backbone(_images()))
    )


def test_a_damaged_cache_entry_is_reported_removed_and_fetched_again(offline, caplog):
    reference = ImageClassifier.from_preset(TIMM)
    (cached,) = (offline / "checkpoints").iterdir()
    cached.write_bytes(cached.read_bytes()[:-100])  # a disk error, say
    with caplog.at_level(logging.WARNING, logger="keras_mlpmix"):
        again = ImageClassifier.from_preset(TIMM)
    # The stand-in's published hash no longer matches.
    assert f"The cached checkpoint {cached} is damaged (its SHA-256" in caplog.text
    assert "removed it and downloading" in caplog.text
    np.testing.assert_array_equal(_np(again(_images())), _np(reference(_images())))


def test_a_partial_file_of_an_interrupted_download_is_never_taken_for_the_file(
    offline,
):
    folder = offline / "checkpoints"
    folder.mkdir(parents=True)
    (folder / f"{TIMM}.safetensors.partial").write_bytes(b"cut short")
    model = ImageClassifier.from_preset(TIMM)
    assert np.isfinite(_np(model(_images()))).all()
    assert os.listdir(folder) == [f"{TIMM}.safetensors"]


def test_another_number_of_classes_fine_tunes_a_fresh_head(offline, caplog):
    reference = ImageClassifier.from_preset(TIMM)
    with caplog.at_level(logging.INFO, logger="keras_mlpmix"):
        model = ImageClassifier.from_preset(
            TIMM, num_classes=7, include_preprocessing=True
        )
    assert "Kept as initialised: head/kernel, head/bias" in caplog.text
    assert model.output_shape == (None, 7)
    np.testing.assert_array_equal(
        _np(model.backbone(_images())), _np(reference.backbone(_images()))
    )


@pytest.mark.parametrize("name", [TIMM, GMLP])
def test_another_image_size_resizes_the_patch_tied_weights(offline, name, caplog):
    with caplog.at_level(logging.INFO, logger="keras_mlpmix"):
        model = ImageClassifier.from_preset(name, num_classes=10, image_size=256)
    assert "Interpolated to the model's patch grid: block_0/" in caplog.text
    assert model.backbone.num_patches == 256
    assert np.isfinite(_np(model(_images(256)))).all()


def test_overrides_that_reshape_the_weights_need_weights_false(offline):
    with pytest.raises(
        ValueError,
        match=r"the overrides \['hidden_dim'\] change the shapes .* weights=False",
    ):
        ImageClassifier.from_preset(TIMM, hidden_dim=16)
    model = ImageClassifier.from_preset(
        TIMM, hidden_dim=16, image_size=32, weights=False
    )
    assert model.backbone.hidden_dim == 16
    assert not os.path.exists(offline)


def test_architecture_presets_have_no_weights_to_load():
    model = Backbone.from_preset("mixer_cifar100", num_blocks=1)
    assert model.num_blocks == 1
    with pytest.raises(
        ValueError,
        match=r"'mixer_cifar100' has no pretrained weights. .*mixer_b16_224\.goog_in21k",
    ):
        Backbone.from_preset("mixer_cifar100", weights=True)
    with pytest.raises(
        TypeError,
        match=r"`weights` must be None, True, False, a path .* Received: weights=3",
    ):
        Backbone.from_preset("mixer_cifar100", weights=3)


def _small_checkpoint(folder, name=TIMM, num_classes=1000, file="model.safetensors"):
    small = {
        "hidden_dim": 8,
        "num_blocks": 1,
        "tokens_mlp_dim": 4,
        "channels_mlp_dim": 8,
    }
    model = ImageClassifier.from_preset(
        name, weights=False, num_classes=num_classes, **small
    )
    os.makedirs(folder, exist_ok=True)
    export_checkpoint(model, os.path.join(folder, file))
    return model, small


def test_local_files_and_folders_load(tmp_path):
    source, small = _small_checkpoint(tmp_path / "run")
    from_file = ImageClassifier.from_preset(
        TIMM, weights=str(tmp_path / "run" / "model.safetensors"), **small
    )
    from_folder = ImageClassifier.from_preset(TIMM, weights=tmp_path / "run", **small)
    for model in (from_file, from_folder):
        np.testing.assert_array_equal(_np(model(_images())), _np(source(_images())))
    # A .weights.h5 is preferred in a folder, and loads into the same model.
    source.save_weights(tmp_path / "run" / "model.weights.h5")
    loaded = ImageClassifier.from_preset(TIMM, weights=tmp_path / "run", **small)
    np.testing.assert_array_equal(_np(loaded(_images())), _np(source(_images())))
    (tmp_path / "run" / "other.weights.h5").write_bytes(b"")
    with pytest.raises(ValueError, match=r"several weights files of one kind"):
        ImageClassifier.from_preset(TIMM, weights=tmp_path / "run", **small)
    with pytest.raises(ValueError, match=r"No weights file or folder at"):
        ImageClassifier.from_preset(TIMM, weights=tmp_path / "missing", **small)


def test_hub_handles_need_huggingface_hub(tmp_path, monkeypatch):
    source, small = _small_checkpoint(tmp_path / "repo")
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(ImportError, match=r"pip install 'keras-mlpmix\[hub\]'"):
        ImageClassifier.from_preset(TIMM, weights="hf://someone/mixer", **small)
    asked = []
    hub = types.SimpleNamespace(
        list_repo_files=lambda repo_id: (
            asked.append(repo_id) or [*os.listdir(tmp_path / "repo"), "README.md"]
        ),
        hf_hub_download=lambda repo_id, filename: str(tmp_path / "repo" / filename),
    )
    monkeypatch.setitem(sys.modules, "huggingface_hub", hub)
    model = ImageClassifier.from_preset(TIMM, weights="hf://someone/mixer", **small)
    assert asked == ["someone/mixer"]
    np.testing.assert_array_equal(_np(model(_images())), _np(source(_images())))


def test_a_bad_download_is_never_converted_nor_cached(offline, monkeypatch):
    row = presets.get_preset(TIMM)
    row["weights"]["sha256"] = "0" * 64
    monkeypatch.setitem(presets.PRESETS, TIMM, row)
    with pytest.raises(
        ValueError,
        match=r"not the published checkpoint: .*not the published 0{64}.*"
        r"It was deleted",
    ):
        ImageClassifier.from_preset(TIMM)
    assert os.listdir(offline / "checkpoints") == []
