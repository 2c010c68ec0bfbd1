"""The models against timm's own on the same random weights.

Needs timm and PyTorch, which the default environments do not install:
run `tox -e timm`. timm's models are built with `pretrained=False` and
random weights; their state dict goes through the same files and loaders as
the published checkpoints.
"""

import keras
import numpy as np
import pytest

timm = pytest.importorskip("timm", reason="compares with timm: run `tox -e timm`")
torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

from timm.layers import GatedMlp  # noqa: E402
from timm.models.mlp_mixer import (  # noqa: E402
    Affine,
    MlpMixer,
    ResBlock,
    SpatialGatingBlock,
)

from keras_mlpmix.models import (  # noqa: E402
    ImageClassifier,
    MLPMixerBackbone,
    ResMLPBackbone,
    gMLPBackbone,
    presets,
)
from keras_mlpmix.weights import export_checkpoint, load_checkpoint  # noqa: E402

TIMM_PRESETS = [
    name
    for name in presets.pretrained_names()
    if presets.PRESETS[name]["weights"]["format"] == "safetensors"
]


def _randomise(model, seed=0):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if "norm" in name and name.endswith(("weight", "alpha")):
                parameter.copy_(1 + 0.1 * noise)
            elif name.endswith(("ls1", "ls2")):
                # ResMLP has no norm to bound its residual stream: with unit
                # layer scales, 12 to 36 blocks overflow float32.
                parameter.copy_(0.1 * (1 + 0.1 * noise))
            elif parameter.ndim > 1:  # a kernel: keep each layer's output scale
                parameter.copy_(noise / np.sqrt(parameter[0].numel()))
            else:
                parameter.copy_(0.2 * noise)
    return model.eval()


def _save(model, path):
    state = {name: value.contiguous() for name, value in model.state_dict().items()}
    if str(path).endswith(".safetensors"):
        safetensors_torch.save_file(state, str(path))
    else:
        torch.save(state, path)
    return path


def _logits_difference(ours, theirs, image_size, seed=1):
    images = np.random.default_rng(seed).uniform(-1, 1, (2, image_size, image_size, 3))
    images = images.astype("float32")
    with torch.no_grad():
        expected = theirs(torch.from_numpy(images).permute(0, 3, 1, 2)).numpy()
    actual = np.asarray(keras.ops.convert_to_numpy(ours(images)))
    return float(np.abs(actual - expected).max()), float(np.abs(expected).max())


SMALL = {
    "mixer": (
        {"mlp_ratio": (0.5, 4.0)},
        MLPMixerBackbone,
        {"tokens_mlp_dim": 8, "channels_mlp_dim": 64},
    ),
    "gmlp": (
        {"mlp_ratio": 6, "block_layer": SpatialGatingBlock, "mlp_layer": GatedMlp},
        gMLPBackbone,
        {"ffn_dim": 96},
    ),
    "resmlp": (
        {"mlp_ratio": 4, "block_layer": ResBlock, "norm_layer": Affine},
        ResMLPBackbone,
        {},
    ),
}


@pytest.mark.parametrize("suffix", [".safetensors", ".pth"])
@pytest.mark.parametrize("family", sorted(SMALL))
def test_small_models_give_timms_logits(tmp_path, family, suffix):
    timm_kwargs, backbone_cls, ours_kwargs = SMALL[family]
    theirs = _randomise(
        MlpMixer(
            num_classes=5,
            img_size=32,
            patch_size=8,
            num_blocks=2,
            embed_dim=16,
            **timm_kwargs,
        )
    )
    path = _save(theirs, tmp_path / f"model{suffix}")
    backbone = backbone_cls(
        image_size=32, patch_size=8, hidden_dim=16, num_blocks=2, **ours_kwargs
    )
    ours = ImageClassifier(backbone, num_classes=5)
    load_checkpoint(ours, path)
    difference, scale = _logits_difference(ours, theirs, 32)
    print(
        f"\n{family} {suffix}: max |logit difference| {difference:.2e} (max |logit| {scale:.1f})"
    )
    assert difference < 1e-4 * max(scale, 1.0)


@pytest.mark.parametrize(
    "name",
    [
        name
        for name in presets.ARCHITECTURES
        if presets.PRESETS[name]["backbone"] != "FNetBackbone"
    ],
)
def test_each_architecture_has_timms_parameter_count(name):
    # Shapes only on both sides: Mixer-H/14 has 432M weights.
    with keras.StatelessScope(initialize_variables=False):
        ours = ImageClassifier.from_preset(name, weights=False)
        count = ours.count_params()
        backbone = ours.backbone
        architecture = dict(
            num_classes=ours.num_classes,
            img_size=backbone.image_size,
            patch_size=backbone.patch_size,
            num_blocks=backbone.num_blocks,
            embed_dim=backbone.hidden_dim,
            **_resolved(backbone.timm_architecture()),
        )
    keras.backend.clear_session(free_memory=False)
    with torch.device("meta"):
        theirs = MlpMixer(**architecture)
        assert sum(p.numel() for p in theirs.parameters()) == count
        if name in timm.list_models("*"):  # timm's own definition of the size
            model = timm.create_model(name, num_classes=architecture["num_classes"])
            assert sum(p.numel() for p in model.parameters()) == count
    if name.startswith("resmlp_") and name in timm.list_models("*"):
        model = timm.create_model(name)  # its LayerScale initialisation
        assert float(model.blocks[0].ls1[0]) == pytest.approx(backbone.layer_scale_init)


def _resolved(architecture):
    import functools

    resolved = {}
    for key, value in architecture.items():
        if isinstance(value, tuple) and isinstance(value[0], str):
            name, kwargs = value
            cls = getattr(timm.models.mlp_mixer, name, None) or getattr(
                timm.layers, name
            )
            value = functools.partial(cls, **kwargs) if kwargs else cls
        resolved[key] = value
    return resolved


@pytest.mark.parametrize("name", TIMM_PRESETS)
def test_each_timm_preset_has_timms_architecture_and_configuration(tmp_path, name):
    row = presets.get_preset(name)
    theirs = timm.create_model(name, pretrained=False)
    config = theirs.pretrained_cfg
    assert config["num_classes"] == row["num_classes"]
    assert tuple(config["mean"]) == pytest.approx(row["mean"])
    assert tuple(config["std"]) == pytest.approx(row["std"])
    assert config["input_size"] == (3, row["image_size"], row["image_size"])
    path = _save(_randomise(theirs), tmp_path / "model.safetensors")
    ours = ImageClassifier.from_preset(name, weights=path)
    difference, scale = _logits_difference(ours, theirs, row["image_size"])
    print(
        f"\n{name}: max |logit difference| {difference:.2e} (max |logit| {scale:.1f})"
    )
    assert difference < 1e-4 * max(scale, 1.0)


@pytest.mark.parametrize("family", sorted(SMALL))
def test_exported_weights_load_into_timms_model(tmp_path, family):
    timm_kwargs, backbone_cls, ours_kwargs = SMALL[family]
    backbone = backbone_cls(
        image_size=32, patch_size=8, hidden_dim=16, num_blocks=2, **ours_kwargs
    )
    ours = ImageClassifier(backbone, num_classes=5)
    rng = np.random.default_rng(0)
    for weight in ours.weights:
        weight.assign(0.2 * rng.standard_normal(weight.shape))
    export_checkpoint(ours, tmp_path / "model.safetensors")
    theirs = MlpMixer(
        num_classes=5,
        img_size=32,
        patch_size=8,
        num_blocks=2,
        embed_dim=16,
        **timm_kwargs,
    ).eval()
    theirs.load_state_dict(safetensors_torch.load_file(tmp_path / "model.safetensors"))
    difference, scale = _logits_difference(ours, theirs, 32)
    print(
        f"\nexported {family}: max |logit difference| {difference:.2e} (max |logit| {scale:.1f})"
    )
    assert difference < 1e-4 * max(scale, 1.0)
