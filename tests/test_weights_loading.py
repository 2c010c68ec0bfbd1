"""Loading official and timm checkpoints: equal to the float64 reference, all or nothing."""

import logging
import sys

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_reference as ref
from checkpoint_layouts import LAYOUTS, Sizes, write
from keras_mlpmix.models import (
    FNetBackbone,
    ImageClassifier,
    MLPMixerBackbone,
    ResMLPBackbone,
    gMLPBackbone,
)
from keras_mlpmix.weights import LoadReport, export_checkpoint, load_checkpoint
from keras_mlpmix.weights.checkpoint_files import detect_format
from keras_mlpmix.weights.layouts import (
    BROADCASTABLE,
    COLUMN,
    SAME,
    TRANSPOSED,
    ConvKernel,
)

SIZES = Sizes()
BACKBONES = {"mixer": MLPMixerBackbone, "gmlp": gMLPBackbone, "resmlp": ResMLPBackbone}
REFERENCES = {
    ("npz", "mixer"): ref.official_mixer_logits,
    ("safetensors", "mixer"): ref.timm_mixer_logits,
    ("safetensors", "gmlp"): ref.timm_gmlp_logits,
    ("safetensors", "resmlp"): ref.timm_resmlp_logits,
}
SUFFIXES = {"npz": ".npz", "safetensors": ".safetensors", "torch": ".pth"}


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _backbone(family, sizes=SIZES, **kwargs):
    return BACKBONES[family](**sizes.backbone_config(family), **kwargs)


def _classifier(format, family, num_classes=SIZES.classes, sizes=SIZES):
    # The official checkpoints come from the Flax model, with tanh GELU.
    backbone = _backbone(family, sizes, approximate_gelu=format == "npz")
    return ImageClassifier(backbone, num_classes=num_classes)


def _images(sizes=SIZES, seed=1):
    shape = (3, *sizes.image_size, 3)
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32")


def _checkpoint(tmp_path, format, family, sizes=SIZES, seed=0, edit=None):
    tensors = LAYOUTS[("npz" if format == "npz" else "safetensors", family)](
        sizes, np.random.default_rng(seed)
    )
    if edit is not None:
        edit(tensors)
    path = tmp_path / f"{family}{SUFFIXES[format]}"
    return write(path, tensors, format), tensors


def _snapshot(model):
    return [_np(weight).copy() for weight in model.weights]


def _assert_unchanged(model, before):
    for weight, value in zip(model.weights, before, strict=True):
        np.testing.assert_array_equal(_np(weight), value, err_msg=weight.path)


@pytest.mark.parametrize("format, family", list(REFERENCES))
def test_logits_equal_the_float64_reference_of_the_checkpoint(tmp_path, format, family):
    path, tensors = _checkpoint(tmp_path, format, family)
    model = _classifier(format, family)
    report = load_checkpoint(model, path)
    assert report.format == format
    assert sorted(report.loaded) == sorted(w.path for w in model.weights)
    assert report.kept_initial == report.ignored == report.interpolated == ()
    images = _images()
    expected = REFERENCES[(format, family)](
        {k: v.astype("float64") for k, v in tensors.items()},
        images.astype("float64"),
        SIZES.blocks,
    )
    # Float32 rounding stays below 3e-7 here; a wrong LayerNorm epsilon or GELU
    # form shows as 1e-5 or more.
    np.testing.assert_allclose(_np(model(images)), expected, rtol=0, atol=2e-6)


def test_pytorch_files_load_like_safetensors(tmp_path):
    pytest.importorskip("torch", reason="reading .pth files needs PyTorch")
    pth, tensors = _checkpoint(tmp_path, "torch", "mixer")
    assert detect_format(pth) == "torch"
    model = _classifier("torch", "mixer")
    load_checkpoint(model, pth)
    expected = ref.timm_mixer_logits(tensors, _images().astype("float64"), SIZES.blocks)
    np.testing.assert_allclose(_np(model(_images())), expected, rtol=0, atol=2e-6)


def test_pytorch_files_without_pytorch_name_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "model.pth"
    path.write_bytes(b"\x80\x02" + bytes(100))
    model = _classifier("torch", "mixer")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"needs PyTorch: `pip install torch`"):
        load_checkpoint(model, path)


@pytest.mark.parametrize("format, family", list(REFERENCES))
def test_a_backbone_loads_everything_but_the_head(tmp_path, format, family):
    path, _tensors = _checkpoint(tmp_path, format, family)
    backbone = _backbone(family, approximate_gelu=format == "npz")
    report = load_checkpoint(backbone, path)
    head = (
        ("head/kernel", "head/bias")
        if format == "npz"
        else ("head.weight", "head.bias")
    )
    assert report.ignored == head
    assert report.kept_initial == ()
    classifier = _classifier(format, family)
    load_checkpoint(classifier, path)
    np.testing.assert_array_equal(
        _np(backbone(_images())), _np(classifier.backbone(_images()))
    )


@pytest.mark.parametrize("format, family", list(REFERENCES))
def test_another_number_of_classes_keeps_the_fresh_head(
    tmp_path, format, family, caplog
):
    path, _ = _checkpoint(tmp_path, format, family)
    model = _classifier(format, family, num_classes=SIZES.classes + 2)
    head = [_np(w).copy() for w in model.get_layer("head").weights]
    with caplog.at_level(logging.INFO, logger="keras_mlpmix"):
        report = load_checkpoint(model, path)
    assert report.kept_initial == ("head/kernel", "head/bias")
    assert len(report.ignored) == 2
    assert len(report.loaded) == len(model.weights) - 2
    for weight, before in zip(model.get_layer("head").weights, head, strict=True):
        np.testing.assert_array_equal(_np(weight), before)
    assert "Kept as initialised: head/kernel, head/bias" in caplog.text
    assert "Kept as initialised" in str(report)


def _drop(name):
    return lambda tensors: tensors.pop(name)


def _add(name):
    return lambda tensors: tensors.update({name: np.zeros(3, "float32")})


def _transpose(name):
    return lambda tensors: tensors.update({name: tensors[name].T.copy()})


@pytest.mark.parametrize(
    "format, family, edit, message",
    [
        (
            "safetensors",
            "mixer",
            _drop("blocks.1.norm2.bias"),
            r"Missing from the checkpoint \(1\): blocks\.1\.norm2\.bias \(8,\)",
        ),
        (
            "npz",
            "mixer",
            _drop("MixerBlock_0/token_mixing/Dense_1/kernel"),
            r"Missing .*: MixerBlock_0/token_mixing/Dense_1/kernel \(6, 12\)",
        ),
        (
            "safetensors",
            "gmlp",
            _add("blocks.0.extra"),
            r"Unexpected in the checkpoint \(1\): blocks\.0\.extra \(3,\)",
        ),
        (
            "npz",
            "mixer",
            _add("encoder_norm/scale"),
            r"Unexpected .*: encoder_norm/scale",
        ),
        (
            "safetensors",
            "gmlp",
            _transpose("blocks.1.mlp_channels.fc1.weight"),
            r"blocks\.1\.mlp_channels\.fc1\.weight: checkpoint \(8, 12\), model expects "
            r"\(12, 8\) for block_1/mlp/fc1/kernel",
        ),
        (
            "npz",
            "mixer",
            _transpose("MixerBlock_1/channel_mixing/Dense_0/kernel"),
            r"checkpoint \(12, 8\), model expects \(8, 12\) for block_1/channel_mlp/fc1/kernel",
        ),
    ],
)
def test_a_checkpoint_that_does_not_fit_changes_nothing(
    tmp_path, format, family, edit, message
):
    path, _ = _checkpoint(tmp_path, format, family, edit=edit)
    model = _classifier(format, family)
    before = _snapshot(model)
    with pytest.raises(ValueError, match=message) as info:
        load_checkpoint(model, path)
    assert "Nothing was loaded" in str(info.value)
    _assert_unchanged(model, before)


@pytest.mark.parametrize(
    "format, family, backbone_cls, message",
    [
        (
            "npz",
            "mixer",
            gMLPBackbone,
            r"the official MLP-Mixer \.npz layout do not hold gMLPBackbone weights; "
            r"its checkpoints come in timm",
        ),
        (
            "safetensors",
            "mixer",
            FNetBackbone,
            r"do not hold FNetBackbone weights; its checkpoints come in no published",
        ),
    ],
)
def test_a_checkpoint_of_another_family_is_refused(
    tmp_path, format, family, backbone_cls, message
):
    path, _ = _checkpoint(tmp_path, format, family)
    config = SIZES.backbone_config("gmlp")
    with pytest.raises(ValueError, match=message):
        load_checkpoint(backbone_cls(**config), path)


def test_a_timm_gmlp_checkpoint_does_not_fit_a_mixer(tmp_path):
    path, _ = _checkpoint(tmp_path, "safetensors", "gmlp")
    model = _classifier("safetensors", "mixer")
    before = _snapshot(model)
    with pytest.raises(
        ValueError,
        match=r"(?s)Missing.*blocks\.0\.norm1\.weight.*Unexpected.*gate\.proj",
    ):
        load_checkpoint(model, path)
    _assert_unchanged(model, before)


def test_a_model_weight_without_a_checkpoint_tensor_is_an_error(tmp_path):
    path, _ = _checkpoint(tmp_path, "safetensors", "mixer")
    backbone = _backbone("mixer", use_position_embedding=True)
    with pytest.raises(
        ValueError,
        match=r"no checkpoint tensor fills \(1\): position_embedding/embedding",
    ):
        load_checkpoint(backbone, path)


@pytest.mark.parametrize("format", ["npz", "safetensors"])
def test_truncated_and_corrupt_files_are_refused(tmp_path, format):
    path, _ = _checkpoint(tmp_path, format, "mixer")
    data = path.read_bytes()
    model = _classifier(format, "mixer")
    before = _snapshot(model)
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(ValueError, match=r"truncated"):
        load_checkpoint(model, path)
    if format == "npz":
        # Flip a byte inside the first array's data: the CRC no longer matches.
        corrupt = bytearray(data)
        corrupt[200] ^= 0xFF
        path.write_bytes(bytes(corrupt))
        with pytest.raises(ValueError, match=r"corrupt: member .* fails its CRC-32"):
            load_checkpoint(model, path)
    _assert_unchanged(model, before)


def test_the_format_is_detected_and_a_wrong_one_is_refused(tmp_path):
    npz, _ = _checkpoint(tmp_path, "npz", "mixer")
    safe, _ = _checkpoint(tmp_path, "safetensors", "mixer")
    assert detect_format(npz) == "npz"
    assert detect_format(safe) == "safetensors"
    model = _classifier("npz", "mixer")
    with pytest.raises(ValueError, match=r"is not a complete NumPy \.npz archive"):
        load_checkpoint(model, safe, format="npz")
    with pytest.raises(
        ValueError, match=r"`format` must be None .* Received: format='onnx'"
    ):
        load_checkpoint(model, npz, format="onnx")
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    with pytest.raises(ValueError, match=r"Could not recognise the checkpoint format"):
        load_checkpoint(model, text)
    with pytest.raises(ValueError, match=r"No checkpoint file at"):
        load_checkpoint(model, tmp_path / "missing.npz")
    with pytest.raises(TypeError, match=r"`model` must be a keras_mlpmix Backbone"):
        load_checkpoint(keras.Sequential([keras.layers.Dense(2)]), npz)


def test_a_gelu_form_other_than_the_checkpoints_is_noted(tmp_path, caplog):
    path, _ = _checkpoint(tmp_path, "npz", "mixer")
    model = ImageClassifier(_backbone("mixer"), num_classes=SIZES.classes)
    with caplog.at_level(logging.WARNING, logger="keras_mlpmix"):
        report = load_checkpoint(model, path)
    assert "trained with tanh-approximate GELU" in report.notes[0]
    assert "tanh-approximate GELU" in caplog.text


@given(
    layout=st.sampled_from(["same", "transposed", "column", "HWIO", "OIHW", "1x1xC"]),
    patch=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    sizes=st.tuples(st.integers(1, 5), st.integers(1, 5)),
)
def test_layouts_convert_to_keras_and_back(layout, patch, sizes):
    layouts = {
        "same": SAME,
        "transposed": TRANSPOSED,
        "column": COLUMN,
        "HWIO": ConvKernel(patch, "HWIO"),
        "OIHW": ConvKernel(patch, "OIHW"),
        "1x1xC": BROADCASTABLE,
    }
    chosen = layouts[layout]
    keras_shape = {
        "column": (sizes[0], 1),
        "1x1xC": (sizes[0],),
        "HWIO": (patch[0] * patch[1] * sizes[0], sizes[1]),
        "OIHW": (patch[0] * patch[1] * sizes[0], sizes[1]),
    }.get(layout, sizes)
    # The shape each format stores, written out from the formats themselves.
    stored_shape = {
        "same": sizes,
        "transposed": sizes[::-1],
        "column": (sizes[0],),
        "1x1xC": (1, 1, sizes[0]),
        "HWIO": (*patch, sizes[0], sizes[1]),
        "OIHW": (sizes[1], sizes[0], *patch),
    }[layout]
    value = np.random.default_rng(0).standard_normal(keras_shape)
    exported = chosen.to_checkpoint(value)
    assert exported.shape == stored_shape == chosen.checkpoint_shape(keras_shape)
    np.testing.assert_array_equal(chosen.to_keras(exported), value)


@pytest.mark.parametrize("format, family", list(REFERENCES))
def test_export_then_load_gives_back_the_same_weights(tmp_path, format, family):
    source = ImageClassifier(_backbone(family), num_classes=3)
    path = tmp_path / f"model{SUFFIXES[format]}"
    export_checkpoint(source, path)
    target = ImageClassifier(_backbone(family), num_classes=3)
    load_checkpoint(target, path, format=format)
    for expected, actual in zip(source.weights, target.weights, strict=True):
        np.testing.assert_array_equal(_np(actual), _np(expected), err_msg=expected.path)


def test_export_refuses_what_its_layout_cannot_hold(tmp_path):
    with pytest.raises(
        ValueError, match=r"has no place for these weights .*position_embedding"
    ):
        export_checkpoint(
            _backbone("mixer", use_position_embedding=True), tmp_path / "m.npz"
        )
    with pytest.raises(ValueError, match=r"Cannot tell the checkpoint format"):
        export_checkpoint(_backbone("mixer"), tmp_path / "model.ckpt")
    with pytest.raises(ValueError, match=r"do not hold gMLPBackbone weights"):
        export_checkpoint(_backbone("gmlp"), tmp_path / "model.npz")


def test_the_report_reads_as_a_summary():
    report = LoadReport(
        source="m.npz",
        format="npz",
        loaded=("stem/kernel",),
        interpolated=("block_0/token_mlp/fc1/kernel",),
        ignored=("head/kernel",),
    )
    assert str(report).splitlines() == [
        "Loaded 1 weights from m.npz (npz).",
        "Interpolated to the model's patch grid: block_0/token_mlp/fc1/kernel.",
        "Not used from the checkpoint: head/kernel.",
    ]
