"""The benchmark machinery of benchmarks/: FLOP counts, timing, memory, the report."""

import json
import pathlib
import sys

import keras
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "benchmarks"))

from ceiling import time_gemm
from preset_benchmark import format_table, main, run_benchmark
from timing import PeakMemory, time_calls

from keras_mlpmix.models import ImageClassifier, MatmulShape, presets


def test_flops_of_the_paper_sizes():
    def gflops(name):
        with keras.StatelessScope(initialize_variables=False):
            model = ImageClassifier.from_preset(name, weights=False)
            shapes = model.matmul_shapes(1)
        keras.backend.clear_session(free_memory=False)
        return sum(shape.flops for shape in shapes) / 1e9

    # Mixer-B/16: 12.6 GMACs per image (Tolstikhin et al., 2021, Table 1).
    assert gflops("mixer_b16_224") == pytest.approx(25.2, abs=0.05)
    assert gflops("mixer_s16_224") < gflops("mixer_b16_224") < gflops("mixer_l16_224")


def test_time_gemm_reports_a_rate_for_a_real_product():
    result = time_gemm(MatmulShape("toy", 256, 128, 64), warmup=1, repeats=3)
    assert result.timing.median_s > 0
    assert result.gflops_per_s > 0


def test_timing_counts_calls_and_orders_its_statistics():
    calls = []
    timing = time_calls(lambda: calls.append(1), warmup=2, repeats=3)
    assert len(calls) == 5 and timing.repeats == 3
    assert timing.min_s <= timing.median_s <= timing.max_s
    with pytest.raises(ValueError, match=r"warmup.*-1"):
        time_calls(lambda: None, warmup=-1, repeats=1)


@pytest.mark.skipif(
    not pathlib.Path("/proc/self/statm").exists(), reason="samples /proc on Linux"
)
def test_peak_memory_sees_what_the_block_allocates_and_nothing_else():
    with PeakMemory() as idle:
        pass
    with PeakMemory() as busy:
        block = np.ones(96 * 2**20, "uint8")  # every page written
    assert block.nbytes == 96 * 2**20
    assert busy.added_bytes >= 90 * 2**20  # of the 96 MiB written
    assert idle.added_bytes < 32 * 2**20
    assert busy.peak_bytes >= busy.baseline_bytes + busy.added_bytes - 1


def test_run_benchmark_reports_every_task_and_writes_json(tmp_path, capsys):
    path = tmp_path / "result.json"
    main(
        [
            "--preset", "gmlp_cifar100", "--batch-sizes", "2", "3",
            "--train-batch-size", "2", "--warmup", "0", "--repeats", "1",
            "--num-classes", "10", "--json", str(path),
        ]
    )  # fmt: skip
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


def test_run_benchmark_restores_the_dtype_policy_even_when_it_fails():
    with pytest.raises(ValueError, match="no_such_preset"):
        run_benchmark("no_such_preset", batch_sizes=[1], dtype="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"


def test_timm_comparison_without_timm_fails_before_any_work(monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "timm" else find_spec(name, *args),
    )
    with pytest.raises(ImportError, match=r"needs timm"):
        run_benchmark("mixer_b16_224", timm=True)


@pytest.mark.parametrize(
    "preset", ["mixer_cifar100", "gmlp_cifar100", "resmlp_cifar100", "mixer_b16_224"]
)
def test_timm_builds_the_same_architecture(preset):
    pytest.importorskip("timm", reason="comparisons with timm need timm installed")
    from timm_reference import timm_model

    ours = ImageClassifier.from_preset(preset, num_classes=100)
    reference = timm_model(ours.backbone, 100, 0.0)
    assert sum(p.numel() for p in reference.parameters()) == ours.count_params()
    assert presets.PRESETS[preset]["backbone"] == type(ours.backbone).__name__


def test_first_call_measures_a_preset_and_formats_its_row():
    from first_call import format_rows, measure_preset

    row = measure_preset("resmlp_cifar100", train_batch_size=2)
    assert row["preset"] == "resmlp_cifar100" and row["train_batch_size"] == 2
    for key in ("build_s", "first_predict_s", "first_train_step_s", "train_step_s"):
        assert row[key] > 0
    line = format_rows([row]).splitlines()[1]
    assert line.startswith("resmlp_cifar100") and f"{row['build_s']:.2f}" in line
