"""The benchmark machinery of benchmarks/: FLOP counts, timing, memory, the report."""

import builtins
import io
import json
import os
import pathlib
import platform
import sys

import keras
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "benchmarks"))

from ceiling import time_gemm
from preset_benchmark import format_table, main, run_benchmark
from throughput import Measurement, lowest_medians
from timing import PeakMemory, Timing, machine_description, time_calls

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


@pytest.mark.parametrize(
    "cpuinfo, expected",
    [
        ("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n", "AMD EPYC 7B13 (x86_64)"),
        ("processor\t: 0\n", "x86_64"),  # no model line (some ARM kernels)
        (None, "x86_64"),  # no /proc/cpuinfo (macOS, Windows)
    ],
)
def test_machine_description_names_the_processor_where_it_can(
    monkeypatch, cpuinfo, expected
):
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if path != "/proc/cpuinfo":
            return real_open(path, *args, **kwargs)
        if cpuinfo is None:
            raise FileNotFoundError(path)
        return io.StringIO(cpuinfo)

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(builtins, "open", fake_open)
    assert machine_description() == f"{expected}, {os.cpu_count()} CPU cores"


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
            "--rounds", "2", "--num-classes", "10", "--json", str(path),
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


def test_run_benchmark_refuses_a_round_count_that_is_not_positive():
    with pytest.raises(ValueError, match=r"rounds.*0"):
        run_benchmark("mixer_cifar100", rounds=0)


def _measured(implementation, median_s, first_call_s=None, task="inference"):
    timing = Timing(median_s, median_s, median_s, 1)
    return Measurement(implementation, task, 1, timing, 1, first_call_s=first_call_s)


def test_lowest_medians_keeps_the_fastest_turn_of_each_task_and_its_first_call():
    kept = lowest_medians(
        [
            _measured("ours", 2.0),
            _measured("timm", 3.0, first_call_s=30.0),
            _measured("ours", 1.5),
            _measured("ours", 0.5, task="train_step"),
            _measured("timm", 2.5),
        ]
    )
    assert [(m.implementation, m.task, m.timing.median_s) for m in kept] == [
        ("ours", "inference", 1.5),
        ("timm", "inference", 2.5),
        ("ours", "train_step", 0.5),
    ]
    assert kept[1].first_call_s == 30.0 and kept[0].first_call_s is None


def _suite_result(backend, speedups, compiled=None):
    """A result of suite.py with the given speed-ups over timm eager."""
    import targets

    entries = []
    for preset in targets.MODELS:
        rows = []
        for (task, batch), speedup in zip(targets.CELLS, speedups[preset], strict=True):
            for kind, value in ((targets.EAGER, speedup), (targets.COMPILED, compiled)):
                if value is not None:
                    rows.append(
                        {"implementation": f"timm 1.0 {kind}", "task": task,
                         "batch_size": batch, "keras_mlpmix_speedup": value}
                    )  # fmt: skip
        ceiling = {"implementation": "keras_mlpmix", "task": "inference",
                   "batch_size": 16, "ceiling_fraction": 0.9}  # fmt: skip
        entries.append({"preset": preset, "measurements": [ceiling, *rows]})
    return {
        "backend": backend,
        "paper_sizes": entries,
        "cifar_training": {"speedup": 1.4},
        "fourier_share": {"share": 0.2},
        "import": {"import_keras_mlpmix_added_s": 0.01},
    }


def test_targets_check_every_cell_against_timm_and_the_fastest_backend():
    import targets

    slow = _suite_result("jax", {"mixer_b16_224": [0.9, 1.1, 0.7],
                                 "gmlp_s16_224": [1.0, 1.2, 0.5]})  # fmt: skip
    fast = _suite_result("torch", {"mixer_b16_224": [1.4, 1.0, 1.3],
                                   "gmlp_s16_224": [0.8, 1.5, 1.1]},
                         compiled=0.6)  # fmt: skip
    cells = targets.timm_cells(slow)
    assert [row[2] for row in cells] == [0.9, 1.1, 0.7, 1.0, 1.2, 0.5]
    assert len(targets.timm_cells(fast)) == 12  # and the torch.compile column
    assert {row[1] for row in targets.timm_cells(fast)[6:]} == {
        "speed-up over timm (torch.compile)"
    }
    best = targets.fastest_backend([slow, fast])
    assert [(row[1], row[2]) for row in best] == [
        ("torch", 1.4), ("jax", 1.1), ("torch", 1.3),
        ("jax", 1.0), ("torch", 1.5), ("torch", 1.1),
    ]  # fmt: skip
    table = targets.markdown_table([slow, fast])
    row = "| Mixer-B/16 inference, batch 1, fastest backend vs timm eager |"
    assert f"{row} torch | 1.40 | >= 1.3 | met |" in table
    cell = "gMLP-S/16 training step (AdamW), batch 16, vs timm"
    what = "speed-up over timm (torch eager)"
    assert f"| {cell} ({what}) | jax | 0.50 | >= 1.0 | NOT met |" in table
    assert "fastest backend" not in targets.markdown_table([slow])


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


def test_timm_step_runs_what_it_is_given_even_without_a_truth_value():
    # `torch.compile` returns a module whose `len()` raises: the step must not
    # ask whether it was given one.
    torch = pytest.importorskip("torch", reason="timm's training step is PyTorch")
    from timm_reference import adamw_step

    model = torch.nn.Linear(4, 3)
    calls = []

    class Compiled:
        def __len__(self):
            raise TypeError("Linear does not support len()")

        def __call__(self, images):
            calls.append(images.shape)
            return model(images)

    images, labels = torch.ones(2, 4), torch.tensor([0, 2])
    before = model.weight.detach().clone()
    adamw_step(model, images, labels, run=Compiled())()
    assert calls == [torch.Size([2, 4])]
    assert not torch.equal(model.weight, before)  # the optimizer stepped


def test_first_call_measures_a_preset_and_formats_its_row():
    from first_call import format_rows, measure_preset

    row = measure_preset("resmlp_cifar100", train_batch_size=2)
    assert row["preset"] == "resmlp_cifar100" and row["train_batch_size"] == 2
    for key in ("build_s", "first_predict_s", "first_train_step_s", "train_step_s"):
        assert row[key] > 0
    line = format_rows([row]).splitlines()[1]
    assert line.startswith("resmlp_cifar100") and f"{row['build_s']:.2f}" in line
