import importlib.util
import os
import pathlib
import subprocess
import sys

import keras
import pytest

SCRIPT = pathlib.Path(__file__).parents[1] / "benchmarks" / "op_profile.py"


def _module():
    spec = importlib.util.spec_from_file_location("op_profile", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "op_name, expected",
    [
        ("jit(train_step)/transpose(jvp(backbone))/block_3/token_mixing/fc1/dot",
         ("backward", "block_*/token_mixing/fc1")),
        ("jit(predict_step)/backbone/block_0/mlp/jit(gelu)/mul",
         ("forward", "block_*/mlp")),
        ("jit(train_step)/jit(fft)/fft", ("forward", "(fft)")),
        ("jit(train_step)/transpose(jvp(mlp_mixer_backbone))/block_11/token_norm/"
         "jit(_var)/add_any", ("backward", "block_*/token_norm")),
        ("jit(predict_step)/f_net_block/mlp/fc1/abc,cz->abz/dot_general",
         ("forward", "mlp/fc1")),
        ("jit(predict_step)/reduce_sum", ("forward", "(reduce_sum)")),
        ("gradient_tape/image_classifier_1/g_mlp_backbone_1/block_28_1/mlp/gate"
         "/MatMul/Sum", ("backward", "block_*/mlp/gate")),
        ("image_classifier/backbone/block_12/mlp_1/norm/moments/mean",
         ("forward", "block_*/mlp/norm/moments")),
        ("adam_w/Mul_614", ("forward", "(Mul)")),
    ],
)  # fmt: skip
def test_op_profile_names_xla_operations_after_their_layers(op_name, expected):
    assert _module()._layers(op_name) == expected


_HLO = """HloModule step

%fused_computation.1 (param_0: f32[8,4]) -> f32[8,4] {
  %param_0 = f32[8,4]{1,0} parameter(0)
  ROOT %dot.1 = f32[8,4]{1,0} dot(%param_0, %param_0), metadata={op_type="MatMul" \
op_name="gradient_tape/classifier/backbone/block_2_1/mlp/fc1/MatMul"}
}

ENTRY %main (p: f32[8,4]) -> f32[4] {
  %p = f32[8,4]{1,0} parameter(0), metadata={op_name="XLA_Args"}
  %ynn_fusion.1 = f32[8,4]{1,0} fusion(%p), kind=kCustom, calls=%fused_computation.1
  %wrapped_reduce-window.3 = f32[2,4]{1,0} fusion(%ynn_fusion.1), kind=kLoop
  ROOT %wrapped_reduce.4 = f32[4]{0} fusion(%wrapped_reduce-window.3), \
metadata={op_type="Sum" op_name="gradient_tape/classifier/backbone/block_2_1/mlp/norm/Sum"}
}
"""


def test_op_profile_reads_an_hlo_dump_and_names_what_xla_added(tmp_path, capsys):
    op_profile = _module()
    (tmp_path / "module_0001.step.cpu_after_optimizations.txt").write_text(_HLO)
    _, instructions = op_profile.xla_instructions(str(tmp_path))
    assert instructions["ynn_fusion.1"] == (
        "gradient_tape/classifier/backbone/block_2_1/mlp/fc1/MatMul",
        1,
    )
    # The partial sums XLA split off carry no metadata of their own.
    assert instructions["wrapped_reduce-window.3"][0].endswith("mlp/norm/Sum")

    op_profile.print_xla_table(
        {"ynn_fusion.1": 3.0, "wrapped_reduce-window.3": 1.0, "python": 9.0},
        str(tmp_path),
        top=5,
    )
    table = capsys.readouterr().out
    assert ": 4.0 ms per call" in table
    assert "    3.0  75.0%  backward  block_*/mlp/fc1" in table
    assert "    1.0  25.0%  wrapped_reduce-window" in table


@pytest.mark.parametrize(
    "workload, layer",
    [
        (["fnet-block", "--batch-size", "4"], "fourier"),
        (["train", "mixer_cifar100", "--batch-size", "2"], "block_*/token_mlp/fc1"),
    ],
    ids=["fnet-block", "train"],
)
def test_profiles_a_workload_on_every_backend(workload, layer):
    backend = keras.backend.backend()
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *workload, "--repeats", "1", "--top", "60"],
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    if backend in ("jax", "tensorflow"):
        rows = {line.split()[-1] for line in run.stdout.splitlines() if "%" in line}
        assert layer in rows
    else:
        assert "aten::" in run.stdout
        assert "PyTorch's operators" in run.stdout


def test_profiles_timm_on_pytorch_only():
    backend = keras.backend.backend()
    if backend == "torch":
        pytest.importorskip("timm", reason="profiling timm needs timm installed")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "inference", "mixer_cifar100", "--timm",
         "--batch-size", "2", "--repeats", "1"],
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    if backend == "torch":
        assert run.returncode == 0, run.stderr
        assert "PyTorch's operators" in run.stdout
    else:
        assert run.returncode != 0
        assert "--timm profiles timm's model of a preset" in run.stderr
