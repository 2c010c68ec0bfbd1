import json

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.benchmark import format_table, run_benchmark
from keras_mlpmix.benchmark.ceiling import time_gemm
from keras_mlpmix.benchmark.gemms import Gemm, backbone_gemms, forward_flops
from keras_mlpmix.benchmark.run import main
from keras_mlpmix.benchmark.timing import PeakMemory, time_calls
from keras_mlpmix.models import ImageClassifier, presets

FAMILY_WIDTHS = {
    "MLPMixerBackbone": {"tokens_mlp_dim": 6, "channels_mlp_dim": 10},
    "gMLPBackbone": {"ffn_dim": 12},
    "FNetBackbone": {"ffn_dim": 12},
}


def _matrix_weights(model):
    """Number of weights in the model's matrix-product kernels."""
    return sum(
        int(np.prod(w.shape))
        for w in model.weights
        if w.path.endswith("kernel") and len(w.shape) == 2
    )


@given(
    family=st.sampled_from(sorted(FAMILY_WIDTHS)),
    grid=st.integers(1, 3),
    patch=st.integers(1, 4),
    hidden=st.integers(2, 8),
    blocks=st.integers(1, 3),
    batch=st.integers(1, 4),
)
def test_gemms_hold_exactly_the_models_kernels(
    family, grid, patch, hidden, blocks, batch
):
    config = {
        "image_size": grid * patch,
        "patch_size": patch,
        "hidden_dim": hidden,
        "num_blocks": blocks,
        **FAMILY_WIDTHS[family],
    }
    backbone_cls = keras.saving.get_registered_object(f"keras_mlpmix>{family}")
    model = ImageClassifier(backbone_cls(**config), num_classes=5)
    gemms = backbone_gemms(family, config, batch, num_classes=5)
    assert sum(g.k * g.n * g.count for g in gemms) == _matrix_weights(model)
    # Each product runs once per token (channel mixing) or per channel column
    # (token mixing) of every image, so the cost is linear in the batch.
    single = forward_flops(backbone_gemms(family, config, 1, num_classes=5))
    assert forward_flops(gemms) == batch * single


def test_flops_of_the_paper_sizes():
    def gflops(name):
        row = presets.get_preset(name)
        config = {"image_size": row["image_size"], **row["config"]}
        return forward_flops(backbone_gemms(row["backbone"], config, 1, 1000)) / 1e9

    assert gflops("mixer_b16_224") == pytest.approx(25.2, abs=0.05)
    assert gflops("mixer_s16_224") < gflops("mixer_b16_224") < gflops("mixer_l16_224")


def test_gemms_reject_an_unknown_family():
    with pytest.raises(ValueError, match=r"family.*'ResMLP'"):
        backbone_gemms("ResMLP", {"image_size": 4, "patch_size": 2}, 1)


def test_time_gemm_reports_a_rate_for_a_real_product():
    result = time_gemm(Gemm("toy", 256, 128, 64), warmup=1, repeats=3)
    assert result.timing.median_s > 0
    assert result.gflops_per_s > 0


def test_timing_and_memory_helpers():
    calls = []
    timing = time_calls(lambda: calls.append(1), warmup=2, repeats=3)
    assert len(calls) == 5 and timing.repeats == 3
    assert timing.min_s <= timing.median_s <= timing.max_s
    with pytest.raises(ValueError, match=r"warmup.*-1"):
        time_calls(lambda: None, warmup=-1, repeats=1)
    with PeakMemory() as memory:
        block = np.ones(32 * 2**20, "uint8")
    assert memory.peak_bytes >= block.nbytes


def test_run_benchmark_reports_every_task_and_writes_json(tmp_path, capsys):
    path = tmp_path / "result.json"
    main(
        [
            "--preset",
            "gmlp_cifar100",
            "--batch-sizes",
            "2",
            "3",
            "--train-batch-size",
            "2",
            "--warmup",
            "0",
            "--repeats",
            "1",
            "--num-classes",
            "10",
            "--json",
            str(path),
        ]
    )
    result = json.loads(path.read_text())
    assert result["backend"] == keras.backend.backend()
    tasks = [(m["task"], m["batch_size"]) for m in result["measurements"]]
    assert tasks == [("inference", 2), ("inference", 3), ("train_step", 2)]
    for m in result["measurements"]:
        assert m["min_s"] <= m["median_s"] <= m["max_s"]
        assert m["ceiling_fraction"] > 0
        assert m["images_per_s"] == pytest.approx(m["batch_size"] / m["median_s"])
    assert [c["batch_size"] for c in result["ceilings"]] == [2, 3]
    assert result["first_predict_s"] > 0
    table = capsys.readouterr().out
    assert "gmlp_cifar100" in table and "train_step" in table
    assert format_table(result) in table


def test_run_benchmark_restores_the_dtype_policy():
    run_benchmark(
        "mixer_cifar100",
        batch_sizes=[1],
        train_batch_size=1,
        dtype="mixed_bfloat16",
        warmup=0,
        repeats=1,
        num_classes=3,
    )
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize("preset", ["mixer_cifar100", "gmlp_cifar100", "mixer_b16_224"])
def test_timm_builds_the_same_architecture(preset):
    pytest.importorskip("timm", reason="comparisons with timm need timm installed")
    from keras_mlpmix.benchmark.timm_reference import timm_model

    row = presets.get_preset(preset)
    config = {"image_size": row["image_size"], **row["config"]}
    reference = timm_model(row["backbone"], config, 100, 0.0)
    count = sum(p.numel() for p in reference.parameters())
    assert count == ImageClassifier.from_preset(preset, num_classes=100).count_params()
