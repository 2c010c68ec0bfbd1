"""Hundreds of bad inputs, by kind: each ends in a clear error and changes nothing.

Every case must raise one of `keras_mlpmix.errors`' types (a `ValueError`,
`TypeError`, `OSError` or `ImportError` that is also a `UserError`) whose
message names the argument or the file, and every refused load must leave
every variable of the model as it was. The kinds:

1. constructor arguments of every layer and model, of every wrong type and
   value, and misspelt keyword arguments;
2. `from_preset` misuse;
3. input tensors of wrong shapes and dtypes;
4. damaged and hostile checkpoint files of every format, and Keras weights
   files;
5. damaged entries of the download cache;
6. folders holding files that are not images;
7. command-line misuse.

The enumerated cases are counted in `CASES_TRIED`, which the last test
prints; the random ones (hypothesis) add their examples.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import logging
import math
import pathlib
import re
import struct
import zipfile

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkpoint_layouts import LAYOUTS, Sizes, write
from keras_mlpmix import layers
from keras_mlpmix.cli import main
from keras_mlpmix.datasets import load_image_folder, load_shapes
from keras_mlpmix.errors import UserError
from keras_mlpmix.models import (
    FNetBackbone,
    ImageClassifier,
    ImagePreprocessor,
    MLPMixerBackbone,
    ResMLPBackbone,
    gMLPBackbone,
)
from keras_mlpmix.weights import checkpoint_files, load_checkpoint

CASES_TRIED = collections.Counter()

BAD = {
    "positive_int": [0, -1, 2**40, 1.5, "8", True, [8], math.nan, None],
    "optional_positive_int": [0, -3, 2**35, 2.0, "4", False, (4,)],
    "rate": [-0.1, 1.0, 1.5, math.nan, math.inf, "0.1", True, None, [0.1]],
    "epsilon": [0, -1e-6, math.inf, math.nan, "1e-6", True, None],
    "float": [math.nan, math.inf, -math.inf, "0.1", True, None],
    "bool": ["False", "True", 0, 1, None, "yes", 0.0],
    "pair": [0, (0, 4), (4,), (4, 4, 4), "16", 4.0, [4, -1], True, None],
    "axis": [0, 8, -9, 1.5, "1", True, None],
    "seed": [-1, 1.5, "1", True, 2**40],
}
# Valid values of the same kinds: accepted, NumPy integers included.
GOOD = {
    "positive_int": [np.int64(8), 8],
    "rate": [np.float32(0.25), 0],
    "bool": [np.bool_(True), False],
}

# (class, valid arguments, {argument: kind}).
LAYER_SPECS = [
    (layers.MLP, {"hidden_dim": 8}, {"hidden_dim": "positive_int",
     "output_dim": "optional_positive_int", "axis": "axis",
     "approximate_gelu": "bool", "dropout_rate": "rate"}),
    (layers.MixerBlock, {"tokens_mlp_dim": 4, "channels_mlp_dim": 8},
     {"tokens_mlp_dim": "positive_int", "channels_mlp_dim": "positive_int",
      "dropout_rate": "rate", "drop_path_rate": "rate",
      "layer_norm_epsilon": "epsilon", "approximate_gelu": "bool"}),
    (layers.FNetBlock, {"ffn_dim": 8}, {"ffn_dim": "positive_int",
     "dropout_rate": "rate", "drop_path_rate": "rate",
     "layer_norm_epsilon": "epsilon", "approximate_gelu": "bool"}),
    (layers.gMLPBlock, {"ffn_dim": 8}, {"ffn_dim": "positive_int",
     "dropout_rate": "rate", "drop_path_rate": "rate",
     "layer_norm_epsilon": "epsilon", "gate_layer_norm_epsilon": "epsilon",
     "approximate_gelu": "bool"}),
    (layers.ResMLPBlock, {}, {"channels_mlp_dim": "optional_positive_int",
     "layer_scale_init": "float", "dropout_rate": "rate",
     "drop_path_rate": "rate", "approximate_gelu": "bool"}),
    (layers.SpatialGatingUnit, {}, {"layer_norm_epsilon": "epsilon"}),
    (layers.PositionEmbedding, {"num_patches": 4}, {"num_patches": "positive_int"}),
    (layers.Patches, {"patch_size": 4}, {"patch_size": "pair"}),
    (layers.PatchesToImage, {"image_size": 8, "patch_size": 4},
     {"image_size": "pair", "patch_size": "pair"}),
    (layers.DropPath, {}, {"rate": "rate", "seed": "seed"}),
    (layers.HashDropout, {"rate": 0.1}, {"rate": "rate", "seed": "seed"}),
    (ImagePreprocessor, {"image_size": 8}, {"image_size": "pair", "scale": "epsilon"}),
]  # fmt: skip
_BACKBONE_ARGS = {
    "image_size": "pair",
    "patch_size": "pair",
    "hidden_dim": "positive_int",
    "num_blocks": "positive_int",
    "dropout_rate": "rate",
    "drop_path_rate": "rate",
    "use_position_embedding": "bool",
    "approximate_gelu": "bool",
}
_SMALL = {"image_size": 8, "patch_size": 4, "hidden_dim": 4, "num_blocks": 1}
MODEL_SPECS = [
    (MLPMixerBackbone, {**_SMALL, "tokens_mlp_dim": 2, "channels_mlp_dim": 4},
     {**_BACKBONE_ARGS, "tokens_mlp_dim": "positive_int",
      "channels_mlp_dim": "positive_int", "layer_norm_epsilon": "epsilon"}),
    (gMLPBackbone, {**_SMALL, "ffn_dim": 4},
     {**_BACKBONE_ARGS, "ffn_dim": "positive_int", "layer_norm_epsilon": "epsilon",
      "gate_layer_norm_epsilon": "epsilon"}),
    (FNetBackbone, {**_SMALL, "ffn_dim": 4},
     {**_BACKBONE_ARGS, "ffn_dim": "positive_int", "layer_norm_epsilon": "epsilon"}),
    (ResMLPBackbone, _SMALL, {**_BACKBONE_ARGS,
     "channels_mlp_dim": "optional_positive_int", "layer_scale_init": "float"}),
]  # fmt: skip


def _refused(call, *names):
    """Runs `call`, which must raise a UserError naming one of `names`; returns it."""
    try:
        call()
    except UserError as error:
        message = str(error)
        assert any(name in message for name in names), message
        return error
    except Exception as error:
        raise AssertionError(
            f"raised {type(error).__name__}, not a keras_mlpmix error: {error}"
        ) from error
    raise AssertionError("accepted")


def _misspellings(name: str) -> list[str]:
    return sorted(
        {name[:-1], name + "s", name.replace("_", "", 1), name[1:], name.upper()}
        - {name}
    )


# 1. Constructor arguments.


@pytest.mark.parametrize(
    "cls, valid, arguments",
    LAYER_SPECS + MODEL_SPECS,
    ids=[spec[0].__name__ for spec in LAYER_SPECS + MODEL_SPECS],
)
def test_every_wrong_argument_is_refused_by_name(cls, valid, arguments):
    for argument, kind in arguments.items():
        for value in BAD[kind]:
            if value is None and kind.startswith("optional"):
                continue
            kwargs = {**valid, argument: value}
            try:
                _refused(lambda kwargs=kwargs: cls(**kwargs), f"`{argument}`")
            except AssertionError as failure:
                raise AssertionError(
                    f"{cls.__name__}({argument}={value!r}): {failure}"
                ) from failure
            CASES_TRIED["constructor arguments"] += 1
        for value in GOOD.get(kind, ()):
            cls(**{**valid, argument: value})
    for argument in arguments:
        for typo in _misspellings(argument):
            if typo in arguments:
                continue
            error = _refused(lambda typo=typo: cls(**valid, **{typo: 1}), f"`{typo}`")
            assert isinstance(error, TypeError)
            CASES_TRIED["misspelt keywords"] += 1


def test_misspelt_keywords_name_the_closest_valid_one():
    error = _refused(
        lambda: MLPMixerBackbone(**MODEL_SPECS[0][1], channel_mlp_dim=8),
        "channel_mlp_dim",
    )
    assert "Did you mean `channels_mlp_dim`?" in str(error)
    error = _refused(lambda: layers.MixerBlock(4, 8, tokens_mlp_dims=2), "tokens")
    assert "Did you mean `tokens_mlp_dim`?" in str(error)


@pytest.mark.parametrize(
    "kwargs, names",
    [
        ({"num_classes": 0}, ["`num_classes`"]),
        ({"num_classes": 2.5}, ["`num_classes`"]),
        ({"num_classes": "10"}, ["`num_classes`"]),
        ({"pooling": "mean"}, ["`pooling`"]),
        ({"pooling": 3}, ["`pooling`"]),
        ({"dropout_rate": math.nan}, ["`dropout_rate`"]),
        ({"dropout_rate": 1.0}, ["`dropout_rate`"]),
        ({"preprocessor": "yes"}, ["`preprocessor`"]),
        ({"head_dtype": "float33"}, ["float33", "dtype"]),
        ({"bogus": 1}, ["`bogus`"]),
    ],
)
def test_classifier_arguments_are_refused_by_name(kwargs, names):
    backbone = FNetBackbone(**MODEL_SPECS[2][1])
    kwargs = {"num_classes": 3, **kwargs}
    try:
        ImageClassifier(backbone, **kwargs)
    except UserError as error:
        assert any(name in str(error) for name in names), str(error)
    except (ValueError, TypeError) as error:
        # Keras's own dtype-policy check, which names the dtype.
        assert "head_dtype" in kwargs and "float33" in str(error), str(error)
    else:
        raise AssertionError(f"accepted {kwargs}")
    CASES_TRIED["constructor arguments"] += 1


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"mean": math.nan}, "`mean`"),
        ({"mean": math.inf}, "`mean`"),
        ({"mean": "imagenet"}, "`mean`"),
        ({"mean": [0.5, math.nan, 0.5]}, "`mean`"),
        ({"std": 0.0}, "`std`"),
        ({"std": -1.0}, "`std`"),
        ({"std": math.nan}, "`std`"),
        ({"std": [1.0, math.inf, 1.0]}, "`std`"),
        ({"interpolation": "lanczos"}, "`interpolation`"),
        ({"interpolation": None}, "`interpolation`"),
        ({"noise": 1}, "`noise`"),
    ],
)
def test_non_finite_normalisation_is_refused(kwargs, name):
    _refused(lambda: ImagePreprocessor(8, **kwargs), name)
    CASES_TRIED["constructor arguments"] += 1


# 2. from_preset misuse.


@pytest.mark.parametrize(
    "preset, kwargs, names",
    [
        (["mixer_cifar100"], {}, ["`preset`"]),
        (42, {}, ["`preset`"]),
        (None, {}, ["`preset`"]),
        (b"mixer_cifar100", {}, ["`preset`"]),
        ("mixer_cifar1000", {}, ["Unknown preset 'mixer_cifar1000'", "mixer_cifar100"]),
        ("", {}, ["Unknown preset ''"]),
        ("mixer_cifar100", {"tokens_mlp_dims": 8}, ["`tokens_mlp_dims`", "tokens_mlp_dim"]),
        ("mixer_cifar100", {"bogus_arg": 1}, ["`bogus_arg`"]),
        ("gmlp_cifar100", {"tokens_mlp_dim": 8}, ["`tokens_mlp_dim`"]),
        ("mixer_cifar100", {"weights": 3}, ["`weights`"]),
        ("mixer_cifar100", {"weights": ["x"]}, ["`weights`"]),
        ("mixer_cifar100", {"weights": True}, ["no pretrained weights"]),
        ("mixer_cifar100", {"weights": "no/such/file.npz"}, ["No weights file"]),
        ("mixer_cifar100", {"num_classes": 0}, ["`num_classes`"]),
        ("mixer_cifar100", {"include_preprocessing": "yes"}, ["`include_preprocessing`"]),
        ("mixer_cifar100", {"pooling": "mean"}, ["`pooling`"]),
        ("mixer_cifar100", {"image_size": 60}, ["multiple of the patch size"]),
        ("mixer_cifar100", {"hidden_dim": -4}, ["`hidden_dim`"]),
        ("mixer_b16_224.goog_in21k", {"hidden_dim": 8}, ["weights=False"]),
    ],
)  # fmt: skip
def test_from_preset_misuse_is_refused_by_name(preset, kwargs, names):
    _refused(lambda: ImageClassifier.from_preset(preset, **kwargs), *names)
    CASES_TRIED["from_preset misuse"] += 1


def test_a_folder_that_is_not_a_preset_is_refused(tmp_path):
    _refused(lambda: ImageClassifier.from_preset(str(tmp_path)), "not a preset folder")
    (tmp_path / "config.json").write_text("{not json")
    _refused(lambda: ImageClassifier.from_preset(str(tmp_path)), "not valid JSON")
    (tmp_path / "config.json").write_text('{"class_name": "Nope", "config": {}}')
    _refused(lambda: ImageClassifier.from_preset(str(tmp_path)), "registered_name")
    (tmp_path / "config.json").write_text(
        json.dumps({"registered_name": "keras_mlpmix>NoSuchBackbone", "config": {}})
    )
    _refused(lambda: ImageClassifier.from_preset(str(tmp_path)), "not registered")
    CASES_TRIED["from_preset misuse"] += 4


# 3. Input tensors.

_TOKEN_LAYERS = [
    layers.MLP(8),
    layers.MixerBlock(4, 8),
    layers.FNetBlock(8),
    layers.FourierMixing(),
    layers.gMLPBlock(8),
    layers.SpatialGatingUnit(),
    layers.ResMLPBlock(8),
    layers.Affine(),
    layers.PositionEmbedding(4),
    layers.DropPath(0.1),
    layers.HashDropout(0.1),
]


@given(
    layer=st.sampled_from(_TOKEN_LAYERS),
    dtype=st.sampled_from(["complex64", "complex128", "<U3", "object"]),
)
def test_tokens_that_are_not_real_numbers_are_refused(layer, dtype):
    values = np.zeros((2, 4, 6)).astype(dtype)
    _refused(lambda: layer(values), "real numbers", type(layer).__name__)
    CASES_TRIED["input tensors"] += 1


@given(
    layer=st.sampled_from(_TOKEN_LAYERS[1:9]),  # the layers of a fixed rank
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=5).filter(
        lambda s: len(s) != 3
    ),
)
def test_tokens_of_another_rank_are_refused(layer, shape):
    fresh = type(layer).from_config(layer.get_config())
    _refused(lambda: fresh(np.zeros(shape, "float32")), "rank", "Affine")
    CASES_TRIED["input tensors"] += 1


@given(
    shape=st.tuples(
        st.integers(1, 3), st.integers(0, 40), st.integers(0, 40), st.integers(1, 5)
    ).filter(lambda s: s[1:] != (16, 16, 3)),
    dtype=st.sampled_from(["float32", "uint8", "complex64", "<U2"]),
)
def test_images_a_model_cannot_take_are_refused(shape, dtype):
    model = _classifier()
    images = np.zeros(shape).astype(dtype)
    _refused(lambda: model(images), "takes inputs of shape", "real numbers")
    CASES_TRIED["input tensors"] += 1


def test_integer_and_boolean_tokens_are_computed_as_floats():
    for layer in _TOKEN_LAYERS[:9]:
        fresh = type(layer).from_config(layer.get_config())
        ints = np.arange(48).reshape(2, 4, 6) % 3
        out = fresh(ints)
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        floats = fresh(ints.astype("float32"))
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(out), keras.ops.convert_to_numpy(floats)
        )


def test_empty_inputs_give_empty_outputs_on_every_backend():
    for layer in (layers.FNetBlock(8), layers.FourierMixing(), layers.MixerBlock(4, 8)):
        out = layer(np.zeros((0, 4, 6), "float32"))
        assert tuple(out.shape) == (0, 4, 6)


_MODELS = {}


def _classifier():
    if "model" not in _MODELS:
        _MODELS["model"] = ImageClassifier(
            MLPMixerBackbone(**MODEL_SPECS[0][1] | {"image_size": 16}), num_classes=3
        )
    return _MODELS["model"]


# 4. Damaged and hostile checkpoint files.

SIZES = Sizes()


def _model(family="mixer", approximate=False):
    backbone_cls = {
        "mixer": MLPMixerBackbone,
        "gmlp": gMLPBackbone,
        "resmlp": ResMLPBackbone,
    }
    backbone = backbone_cls[family](
        **SIZES.backbone_config(family), approximate_gelu=approximate
    )
    return ImageClassifier(backbone, num_classes=SIZES.classes)


def _snapshot(model):
    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


def _unchanged(model, before):
    for weight, value in zip(model.weights, before, strict=True):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(weight), value, err_msg=weight.path
        )


def _valid_checkpoint(folder, format, family="mixer"):
    layout = ("npz" if format == "npz" else "safetensors", family)
    tensors = LAYOUTS[layout](SIZES, np.random.default_rng(0))
    suffix = {"npz": ".npz", "safetensors": ".safetensors", "torch": ".pth"}[format]
    return write(folder / f"valid{suffix}", tensors, format), tensors


def _refused_load(model, path, *names):
    before = _snapshot(model)
    _refused(lambda: load_checkpoint(model, path), str(path), *names)
    _unchanged(model, before)


@settings(max_examples=24)
@given(cut=st.floats(0.0, 0.999), format=st.sampled_from(["npz", "safetensors"]))
def test_a_truncated_checkpoint_is_refused_and_changes_nothing(
    tmp_path_factory, cut, format
):
    folder = tmp_path_factory.mktemp("cut")
    path, _ = _valid_checkpoint(folder, format)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    model = _model(approximate=format == "npz")
    _refused_load(model, path)
    CASES_TRIED["damaged checkpoint files"] += 1


@settings(max_examples=24)
@given(offset=st.integers(0, 10**6), bits=st.integers(1, 255))
def test_a_corrupt_byte_in_an_npz_archive_is_refused(tmp_path_factory, offset, bits):
    folder = tmp_path_factory.mktemp("flip")
    path, _ = _valid_checkpoint(folder, "npz")
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= bits
    path.write_bytes(bytes(data))
    model = _model(approximate=True)
    before = _snapshot(model)
    try:
        load_checkpoint(model, path)
    except UserError as error:
        assert str(path) in str(error) or "does not fit" in str(error), str(error)
        _unchanged(model, before)
    else:  # a flip in a name's padding or a timestamp leaves the arrays whole
        pass
    CASES_TRIED["damaged checkpoint files"] += 1


_ENTRY = st.fixed_dictionaries(
    {
        "dtype": st.sampled_from(["F32", "F16", "BF16", "I64", "F8_E4M3", "C64", "BOOL", "f32", 3]),
        "shape": st.one_of(
            st.lists(st.integers(-2, 6), max_size=4),
            st.just([2**40, 2**40]),
            st.just("8"),
        ),
        "data_offsets": st.one_of(
            st.lists(st.integers(-4, 600), min_size=0, max_size=3),
            st.just([0, "8"]),
        ),
    }
)  # fmt: skip


@settings(max_examples=40)
@given(
    header=st.one_of(
        st.dictionaries(st.text(max_size=6), _ENTRY, max_size=3),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(
            st.just("__metadata__"), st.dictionaries(st.text(), st.integers())
        ),
    ),
    padding=st.integers(0, 600),
)
def test_a_hostile_safetensors_header_is_refused_by_name(
    tmp_path_factory, header, padding
):
    path = tmp_path_factory.mktemp("hostile") / "model.safetensors"
    body = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(body)) + body + bytes(padding))
    model = _model()
    before = _snapshot(model)
    try:
        load_checkpoint(model, path)
    except UserError as error:
        assert str(path) in str(error) or "does not fit" in str(error), str(error)
    else:
        raise AssertionError(f"loaded {header}")
    _unchanged(model, before)
    CASES_TRIED["hostile checkpoint files"] += 1


@pytest.mark.parametrize(
    "edit, names",
    [
        (lambda t, k: t.update({k: np.full(t[k].shape, "a")}), ["dtype", "real numbers"]),
        (lambda t, k: t.update({k: t[k].astype("complex64")}), ["complex", "real numbers"]),
        (lambda t, k: t.update({k: t[k].astype(bool)}), ["bool", "real numbers"]),
        (lambda t, k: t.update({k: np.full(t[k].shape, np.nan, "float32")}), ["NaN"]),
        (lambda t, k: t.update({k: np.full(t[k].shape, np.inf, "float32")}), ["infinite"]),
        (lambda t, k: t.update({k: np.full(t[k].shape, 1e300)}), ["infinite"]),
        (lambda t, k: t.update({k: np.append(t[k].ravel(), 0.0)}), ["model expects"]),
        (lambda t, k: t.update({k + "_extra": t[k]}), ["Unexpected"]),
        (lambda t, k: t.pop(k), ["Missing"]),
    ],
    ids=["strings", "complex", "bool", "nan", "inf", "overflow", "shape", "extra", "missing"],
)  # fmt: skip
@pytest.mark.parametrize("format", ["npz", "safetensors"])
def test_a_checkpoint_with_a_bad_tensor_is_refused_and_changes_nothing(
    tmp_path, edit, names, format
):
    _, tensors = _valid_checkpoint(tmp_path, format)
    keys = sorted(tensors)
    for key in (keys[len(keys) // 2], keys[-1]):  # a block weight, and the head
        edited = dict(tensors)
        edit(edited, key)
        if format == "safetensors" and any(
            v.dtype.kind in "UcOb" for v in edited.values()
        ):
            continue  # safetensors cannot even store these
        path = write(tmp_path / f"bad-{key.replace('/', '_')}.{format}", edited, format)
        model = _model(approximate=format == "npz")
        _refused_load(model, path, *names)
        CASES_TRIED["bad tensors in checkpoints"] += 1


def test_an_npz_with_an_object_array_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "pickled.npz"
    with zipfile.ZipFile(path, "w") as archive:
        buffer = io.BytesIO()
        np.save(
            buffer, np.array([{"code": "never run"}], dtype=object), allow_pickle=True
        )
        archive.writestr("stem/kernel.npy", buffer.getvalue())
    _refused_load(_model(approximate=True), path, "not an array of numbers")
    CASES_TRIED["hostile checkpoint files"] += 1


@settings(max_examples=12)
@given(cut=st.floats(0.05, 0.95))
def test_a_damaged_weights_file_is_refused_and_changes_nothing(tmp_path_factory, cut):
    folder = tmp_path_factory.mktemp("h5")
    path = folder / "model.weights.h5"
    source = _model()
    source.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    model = _model()
    before = _snapshot(model)
    _refused(lambda: model.load_weights(path), str(path))
    _unchanged(model, before)
    CASES_TRIED["damaged weights files"] += 1


# 5. Damaged cache entries.


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    return tmp_path


@pytest.mark.parametrize("damage", ["truncated", "emptied", "garbage", "partial"])
@pytest.mark.parametrize("format", ["npz", "safetensors"])
def test_a_damaged_cache_entry_is_named_removed_and_fetched_again(
    cache, damage, format, caplog
):
    source, _ = _valid_checkpoint(cache, format)
    url = source.resolve().as_uri()
    path = checkpoint_files.fetch(url, f"model.{format}", format=format)
    data = pathlib.Path(path).read_bytes()
    damaged = pathlib.Path(path + ".partial" if damage == "partial" else path)
    damaged.write_bytes(
        {"truncated": data[:-50], "emptied": b"", "garbage": b"not a checkpoint"}.get(
            damage, data[:100]
        )
    )
    with caplog.at_level(logging.WARNING, logger="keras_mlpmix"):
        again = checkpoint_files.fetch(url, f"model.{format}", format=format)
    assert pathlib.Path(again).read_bytes() == data
    if damage != "partial":
        assert f"The cached checkpoint {path} is damaged" in caplog.text
    assert not pathlib.Path(path + ".partial").exists()
    CASES_TRIED["damaged cache entries"] += 1


def test_a_bad_download_names_the_url_and_keeps_nothing(cache):
    source, _ = _valid_checkpoint(cache, "safetensors")
    source.write_bytes(source.read_bytes()[:-10])
    _refused(
        lambda: checkpoint_files.fetch(
            source.as_uri(), "m.safetensors", format="safetensors"
        ),
        source.as_uri(),
    )
    assert not list((cache / "home" / "keras_mlpmix" / "checkpoints").iterdir())
    CASES_TRIED["damaged cache entries"] += 1


# 6. Folders holding files that are not images.


@settings(max_examples=12)
@given(
    content=st.one_of(
        st.binary(max_size=64), st.just(b""), st.just(b"\x89PNG\r\n\x1a\n")
    ),
    suffix=st.sampled_from([".png", ".jpg", ".jpeg", ".bmp", ".gif", ".PNG"]),
)
def test_a_file_that_is_not_an_image_is_named_or_skipped(
    tmp_path_factory, content, suffix
):
    root = tmp_path_factory.mktemp("folder")
    (x, y), _, _ = load_shapes(num_train=6, num_test=1)
    for i, (image, label) in enumerate(zip(x, y, strict=True)):
        (root / f"class_{label % 2}").mkdir(exist_ok=True)
        keras.utils.save_img(
            root / f"class_{label % 2}" / f"{i}.png", image, scale=False
        )
    bad = root / "class_0" / f"bad{suffix}"
    bad.write_bytes(content)
    _refused(lambda: load_image_folder(root, image_size=8), str(bad))
    (train, _), (test, _), _ = load_image_folder(
        root, image_size=8, skip_unreadable=True
    )
    assert len(train) + len(test) == 6
    CASES_TRIED["folders with bad files"] += 1


# 7. Command-line misuse.

_BAD_OPTIONS = {
    "train": [
        ["--preset", "mixer_xxl", "--dataset", "shapes"],
        ["--preset", "mixer_cifar100", "--dataset", "no/such/folder"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--epochs", "-3"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--epochs", "x"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--batch-size", "0"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--learning-rate", "nan"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--weight-decay", "-1"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--image-size", "30"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--seed", "-1"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--backend", "theano"],
        ["--preset", "mixer_cifar100"],
        ["--dataset", "shapes"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--epoch", "3"],
    ],
    "evaluate": [
        ["--dataset", "shapes"],
        ["--model", "no/such/model.keras", "--dataset", "shapes"],
        ["--preset", "mixer_cifar100", "--dataset", "shapes", "--model", "m.keras"],
        ["--preset", "never_trained_anywhere", "--dataset", "shapes"],
        ["--model", "m.keras", "--dataset", "shapes", "--test-fraction", "1.5"],
        ["--model", "m.keras", "--dataset", "shapes", "--batch-size", "-1"],
    ],
    "convert": [
        ["no/such.npz", "--preset", "mixer_b16_224", "--output", "x.weights.h5"],
        ["--preset", "mixer_b16_224", "--output", "x.keras"],
        ["a.npz", "--preset", "mixer_b16_224"],
        ["a.npz", "--preset", "mixer_b16_224", "--output", "x", "--format", "onnx"],
    ],
    "bench": [
        ["--preset", "mixer_b99"],
        ["--batch-sizes", "0"],
        ["--repeats", "0"],
        ["--dtype", "float8"],
        ["--jit-compile", "maybe"],
    ],
    "presets": [["--all"], ["extra"]],
    None: [[], ["--versoin"], ["fly"], ["--backend", "jax"]],
}


@pytest.mark.parametrize(
    "argv",
    [
        ([command] if command else []) + options
        for command, cases in _BAD_OPTIONS.items()
        for options in cases
    ],
    ids=lambda argv: " ".join(argv) or "(nothing)",
)
def test_command_line_misuse_is_one_line_without_a_traceback(
    argv, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
    lines = stderr.getvalue().strip().splitlines()
    assert status in (1, 2), (status, stdout.getvalue(), stderr.getvalue())
    assert len(lines) == 1, stderr.getvalue()
    assert re.match(r"keras-mlpmix( \w+)?: error: ", lines[0]), lines[0]
    assert "Traceback" not in stderr.getvalue()
    CASES_TRIED["command-line misuse"] += 1


def test_zz_report_the_cases_tried(capsys):
    with capsys.disabled():
        print(f"\nbad inputs tried on {keras.backend.backend()}:", dict(CASES_TRIED))
