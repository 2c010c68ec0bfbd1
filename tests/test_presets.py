import contextlib

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
    list_presets,
    parameter_count,
)
from keras_mlpmix.models.presets import PRESETS, get_preset
from keras_mlpmix.weights import export_checkpoint, load_checkpoint
from keras_mlpmix.weights.layouts import TIMM
from keras_mlpmix.weights.patch_grid import resize

# Weights of backbone + head, the only place they are typed: the papers'
# tables (REFERENCE.md) and timm's models for ResMLP (checked against timm in
# the `timm` environment, test_weights_timm.py), and this library's own
# sizes as built here. The presets carry no counts: they are computed.
EXPECTED_PARAMS = {
    "mixer_s32_224": 19_104_624,
    "mixer_s16_224": 18_528_264,
    "mixer_b32_224": 60_293_428,
    "mixer_b16_224": 59_880_472,
    "mixer_l32_224": 206_939_264,
    "mixer_l16_224": 208_196_168,
    "mixer_h14_224": 432_350_952,
    "gmlp_ti16_224": 5_867_328,
    "gmlp_s16_224": 19_422_656,
    "gmlp_b16_224": 73_075_392,
    # timm: 15.35M, 30.02M, 44.69M, 129.14M; the paper: 15M, 30M, 45M, 129M.
    "resmlp_12_224": 15_350_872,
    "resmlp_24_224": 30_020_680,
    "resmlp_36_224": 44_690_488,
    "resmlp_big_24_224": 129_138_280,
    "fnet_s16_224": 26_229_224,
    "fnet_b16_224": 58_217_704,
    "mixer_cifar100": 245_348,
    "fnet_cifar100": 622_436,
    "gmlp_cifar100": 885_860,
    "resmlp_cifar100": 2_200_676,
    # Pretrained checkpoints: their architecture's backbone with the
    # checkpoint's head (21843 ImageNet-21k classes, 11221 ImageNet-21K-P).
    "mixer_b16_224.goog_in21k": 75_908_739,
    "mixer_b16_224.goog_in21k_ft_in1k": 59_880_472,
    "mixer_b16_224.miil_in21k": 67_740_421,
    "mixer_b16_224.miil_in21k_ft_in1k": 59_880_472,
    "mixer_l16_224.goog_in21k": 229_560_243,
    "mixer_l16_224.goog_in21k_ft_in1k": 208_196_168,
    "gmlp_s16_224.ra3_in1k": 19_422_656,
    "resmlp_12_224.fb_in1k": 15_350_872,
    "resmlp_12_224.fb_distilled_in1k": 15_350_872,
    "resmlp_12_224.fb_dino": 15_350_872,
    "resmlp_24_224.fb_in1k": 30_020_680,
    "resmlp_24_224.fb_distilled_in1k": 30_020_680,
    "resmlp_24_224.fb_dino": 30_020_680,
    "resmlp_36_224.fb_in1k": 44_690_488,
    "resmlp_36_224.fb_distilled_in1k": 44_690_488,
    "resmlp_big_24_224.fb_in1k": 129_138_280,
    "resmlp_big_24_224.fb_distilled_in1k": 129_138_280,
    "resmlp_big_24_224.fb_in22k_ft_in1k": 129_138_280,
    "mixer_b16_224.official_in21k": 75_908_739,
    "mixer_b16_224.official_in1k": 59_880_472,
    "mixer_l16_224.official_in21k": 229_560_243,
    "mixer_l16_224.official_in1k": 208_196_168,
    "mixer_b16_224.official_sam_in1k": 59_880_472,
    "mixer_b32_224.official_sam_in1k": 60_293_428,
    "mixer_s16_224.official_gsam_in1k": 18_528_264,
    "mixer_s32_224.official_gsam_in1k": 19_104_624,
    "mixer_b16_224.official_gsam_in1k": 59_880_472,
    "mixer_b32_224.official_gsam_in1k": 60_293_428,
}


# Trainable weights of the keras-io example's models.
def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


KERAS_IO_PARAMS = {
    "mixer_cifar100": 242_788,
    "fnet_cifar100": 621_924,
    "gmlp_cifar100": 885_348,
}


@contextlib.contextmanager
def shapes_only():
    """Creates variables with a shape but no value.

    Building Mixer-H/14 (432M weights) with values takes 8-16 s and 1.7 GB
    per backend; without them it takes under a second. The variables stay
    uninitialised, so the model must not be run; clearing the session
    afterwards drops them from Keras's list of variables to initialise.
    """
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:
        keras.backend.clear_session(free_memory=False)


def test_every_preset_has_an_expected_count():
    assert set(EXPECTED_PARAMS) == set(PRESETS)


@pytest.mark.parametrize("name", PRESETS)
def test_parameter_count_of_the_full_size_model(name):
    with shapes_only():
        classifier = ImageClassifier.from_preset(name, weights=False)
        count = classifier.count_params()
        num_classes = classifier.num_classes
    assert num_classes == PRESETS[name]["num_classes"]
    assert count == EXPECTED_PARAMS[name] == parameter_count(name)


@pytest.mark.parametrize("name", KERAS_IO_PARAMS)
def test_cifar_presets_differ_from_keras_io_by_the_layer_norms_it_lacks(name):
    classifier = ImageClassifier.from_preset(name)
    backbone = classifier.backbone
    extra = [backbone.get_layer("norm")]
    if isinstance(backbone, MLPMixerBackbone):
        extra += [
            backbone.get_layer(f"block_{i}").channel_norm
            for i in range(backbone.num_blocks)
        ]
    ours = classifier.count_params()
    assert ours - sum(layer.count_params() for layer in extra) == KERAS_IO_PARAMS[name]
    description = PRESETS[name]["description"]
    assert f"{KERAS_IO_PARAMS[name]:,}" in description
    assert f"{ours:,}" in description


# Pretrained rows share their architecture row's blocks; their loading is
# tested in test_weights_presets.py.
@pytest.mark.parametrize("name", [n for n in PRESETS if PRESETS[n]["weights"] is None])
def test_every_architecture_runs_at_a_reduced_size(name):
    row = PRESETS[name]
    image_size = 2 * row["config"]["patch_size"]
    overrides = {"image_size": image_size, "hidden_dim": 16, "num_blocks": 1}
    classifier = ImageClassifier.from_preset(name, weights=False, **overrides)
    logits = classifier(np.zeros((2, image_size, image_size, 3), "float32"))
    assert tuple(logits.shape) == (2, row["num_classes"])
    backbone = classifier.backbone
    assert type(backbone).__name__ == row["backbone"]
    assert backbone.num_patches == 4
    config = backbone.get_config()
    for key, value in row["config"].items():
        if key not in overrides:
            assert config[key] == (value if key != "patch_size" else (value, value))


@pytest.mark.parametrize("name", KERAS_IO_PARAMS)
def test_cifar_presets_classify_raw_32x32_images(name):
    classifier = ImageClassifier.from_preset(name, include_preprocessing=True)
    assert tuple(classifier.input.shape) == (None, None, None, 3)
    assert classifier.get_layer("head_dropout").rate == 0.2
    assert classifier.preprocessor.mean == PRESETS[name]["mean"]
    assert classifier.preprocessor.std == PRESETS[name]["std"]
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), "uint8")
    logits = classifier(images)
    assert tuple(logits.shape) == (2, 100)
    assert np.isfinite(keras.ops.convert_to_numpy(logits)).all()


def test_classifier_preset_arguments():
    classifier = ImageClassifier.from_preset(
        "gmlp_ti16_224", num_classes=7, num_blocks=1, dropout_rate=0.3
    )
    assert tuple(classifier.input.shape) == (None, 224, 224, 3)
    assert tuple(classifier.output.shape) == (None, 7)
    assert classifier.get_layer("head_dropout").rate == 0.3
    assert classifier.preprocessor is None


def test_rows_share_one_schema():
    keys = set(PRESETS["mixer_b16_224"])
    for name, row in PRESETS.items():
        assert set(row) == keys, name
        assert row["weights"] is None or set(row["weights"]) == {
            "url",
            "format",
            "sha256",
        }
        assert len(row["mean"]) == len(row["std"]) == 3
        assert row["description"]
        assert "image_size" not in row["config"]
        assert "params" not in row  # derived, never typed


def test_list_presets_returns_copies_of_the_rows_and_prints_nothing(capsys):
    rows = list_presets()
    assert capsys.readouterr().out == ""
    assert rows == PRESETS
    rows["mixer_b16_224"]["config"]["hidden_dim"] = 1
    assert PRESETS["mixer_b16_224"]["config"]["hidden_dim"] == 768


@pytest.mark.parametrize(
    "build",
    [
        Backbone.from_preset,
        MLPMixerBackbone.from_preset,
        ImageClassifier.from_preset,
        get_preset,
    ],
)
def test_unknown_preset_names_every_preset(build):
    with pytest.raises(ValueError, match=r"Unknown preset 'mixer_b16_384'") as info:
        build("mixer_b16_384")
    for name in PRESETS:
        assert name in str(info.value)


@pytest.mark.parametrize(
    "backbone_cls, name",
    [
        (MLPMixerBackbone, "gmlp_s16_224"),
        (gMLPBackbone, "fnet_cifar100"),
        (FNetBackbone, "mixer_cifar100"),
        (ResMLPBackbone, "mixer_cifar100"),
    ],
)
def test_a_family_builds_only_its_own_presets(backbone_cls, name):
    with pytest.raises(
        ValueError,
        match=rf"{name!r} is a {PRESETS[name]['backbone']} preset; "
        rf"{backbone_cls.__name__}\.from_preset\(\) builds only",
    ) as info:
        backbone_cls.from_preset(name)
    own = [n for n, row in PRESETS.items() if row["backbone"] == backbone_cls.__name__]
    assert ", ".join(own) in str(info.value)


@pytest.mark.parametrize(
    "backbone_cls, name",
    [
        (MLPMixerBackbone, "mixer_cifar100"),
        (gMLPBackbone, "gmlp_cifar100"),
        (FNetBackbone, "fnet_cifar100"),
    ],
)
def test_the_base_and_the_family_build_the_same_backbone(backbone_cls, name):
    from_family = backbone_cls.from_preset(name, num_blocks=1)
    from_base = Backbone.from_preset(name, num_blocks=1)
    assert type(from_base) is backbone_cls
    config, base_config = from_family.get_config(), from_base.get_config()
    del config["name"], base_config["name"]
    assert config == base_config


@pytest.mark.parametrize(
    "preset, tied",
    [
        ("mixer_cifar100", {"block_0/token_mlp/fc1/kernel", "block_0/token_mlp/fc2/kernel",
                            "block_0/token_mlp/fc2/bias"}),
        ("gmlp_cifar100", {"block_0/mlp/gate/kernel", "block_0/mlp/gate/bias"}),
        ("resmlp_cifar100", {"block_0/token_kernel", "block_0/token_bias"}),
        ("fnet_cifar100", {"position_embedding/embedding"}),
    ],
)  # fmt: skip
def test_another_image_size_resizes_exactly_the_patch_tied_weights(
    preset, tied, tmp_path
):
    # A checkpoint of the preset at 64x64 (8x8 patches) loaded into a model at
    # 32x32 (4x4): the weights tied to the patch grid are resized, the others
    # loaded as they are.
    source = Backbone.from_preset(preset, num_blocks=1)
    rng = np.random.default_rng(0)
    for weight in source.weights:
        weight.assign(rng.standard_normal(weight.shape))
    if preset == "fnet_cifar100":
        # FNet has no published checkpoint layout; compare weights directly.
        small = Backbone.from_preset(preset, num_blocks=1, image_size=32)
        changed = {
            w.path for w, v in zip(small.weights, source.weights, strict=True)
            if tuple(w.shape) != tuple(v.shape)
        }  # fmt: skip
        assert changed == tied
        return
    path = tmp_path / "model.safetensors"
    export_checkpoint(source, path)
    target = Backbone.from_preset(preset, num_blocks=1, image_size=32)
    report = load_checkpoint(target, path, interpolate_patch_grid=True)
    assert set(report.interpolated) == tied
    axes = {rule.target.path: rule.patch_axes for rule in target.checkpoint_rules(TIMM)}
    for weight, original in zip(target.weights, source.weights, strict=True):
        value, before = _np(weight), _np(original)
        if weight.path in tied:
            expected = resize(before, axes[weight.path], (8, 8), (4, 4))
            np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(value, before, err_msg=weight.path)
