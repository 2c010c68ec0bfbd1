"""Benchmark a preset on the current backend, optionally beside timm.

    KERAS_BACKEND=jax python benchmarks/preset_benchmark.py --preset mixer_b16_224 --timm

times a preset on the backend named by `KERAS_BACKEND`; see `run_benchmark`.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.util
import json
import sys

import keras
from ceiling import backward_shapes, matmul_ceiling
from throughput import (
    Measurement,
    first_predict_seconds,
    lowest_medians,
    measure_inference,
    measure_train_step,
)
from timing import machine_description
from timm_reference import measure_in_subprocess

from keras_mlpmix import __version__
from keras_mlpmix.layers import platform_choices
from keras_mlpmix.models import ImageClassifier

JIT_CHOICES = {"auto": "auto", "true": True, "false": False}


def _as_dict(measurement: Measurement) -> dict:
    timing = dataclasses.asdict(measurement.timing)
    return {
        "implementation": measurement.implementation,
        "task": measurement.task,
        "batch_size": measurement.batch_size,
        **timing,
        "images_per_s": measurement.images_per_s,
        "gflops_per_s": measurement.gflops_per_s,
        "peak_memory_mb": None
        if measurement.peak_memory_bytes is None
        else measurement.peak_memory_bytes / 2**20,
        "added_memory_mb": None
        if measurement.added_memory_bytes is None
        else measurement.added_memory_bytes / 2**20,
        "first_call_s": measurement.first_call_s,
    }


def run_benchmark(
    preset: str,
    batch_sizes=(1, 16),
    train_batch_size: int = 16,
    dtype: str = "float32",
    jit_compile: bool | str = "auto",
    timm: bool = False,
    num_classes: int = 1000,
    warmup: int = 3,
    repeats: int = 10,
    timm_compiled: bool = False,
    rounds: int = 1,
) -> dict:
    """Measures a preset's classifier on the current Keras backend.

    For each inference batch size and for one training step, records the
    median, fastest and slowest time of `repeats` calls after `warmup`
    ones, images per second, the matrix-product FLOP rate, the process's
    peak memory, and the fraction of the matmul ceiling reached (the time
    the model's own matrix products take alone on this backend, see
    `ceiling.py`; for the training step, those of its backward pass too).
    With `timm=True` (timm installed), timm's implementation of the same
    architecture is timed the same way in a process of its own
    (`timm_reference.measure_in_subprocess`), after ours, and each of its
    results gets our speed-up over it. With `rounds` above 1, ours and timm
    take turns that many times and each task keeps its lowest median
    (`lowest_medians`).

    Args:
        preset: Preset name, e.g. `"mixer_b16_224"`.
        batch_sizes: Inference batch sizes.
        train_batch_size: Batch size of the training step.
        dtype: Dtype policy, `"float32"`, `"mixed_bfloat16"` or
            `"mixed_float16"`.
        jit_compile: As for `Model.compile`: `"auto"`, True or False.
        timm: Also time timm's model of the same architecture (MLP-Mixer
            and gMLP presets).
        num_classes: Width of the classification head.
        warmup: Untimed calls before timing, per round.
        repeats: Timed calls, per round.
        timm_compiled: Also time timm's model compiled by `torch.compile`,
            its first calls (compilation) apart, in a process of its own, in
            the first round only.
        rounds: Turns of every implementation, interleaved.

    Returns:
        A JSON-serialisable dict: the setting (preset, backend, versions,
        device, date), FLOPs per image, the first prediction's time with
        compilation, one entry per measurement and the ceiling per batch
        size.
    """
    if not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be a positive integer. Received: {rounds!r}")
    # Checked first: a missing timm must not cost the minutes of our runs.
    if (timm or timm_compiled) and importlib.util.find_spec("timm") is None:
        raise ImportError(
            "Comparing with timm needs timm and torchvision: `pip install timm`, "
            "or run `tox -e bench-<backend>`, which installs them."
        )
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype)
    try:
        # Throughput does not depend on the weights: never download them.
        model = ImageClassifier.from_preset(
            preset, num_classes=num_classes, weights=False
        )
        flops_per_image = sum(shape.flops for shape in model.matmul_shapes(1))
        model.compile(jit_compile=jit_compile)
        implementation = f"keras_mlpmix {__version__} ({keras.backend.backend()})"
        first_predict_s = first_predict_seconds(model, batch_sizes[0])
        resolved_jit = model.jit_compile
        measurements = []
        for turn in range(rounds):
            measurements += [
                measure_inference(
                    model, batch, flops_per_image, implementation, warmup, repeats
                )
                for batch in batch_sizes
            ]
            measurements.append(
                measure_train_step(
                    model,
                    train_batch_size,
                    flops_per_image,
                    implementation,
                    jit_compile,
                    warmup,
                    repeats,
                )
            )
            # Compiling takes minutes: timm's compiled model runs one turn.
            for compiled in [False] * timm + [True] * (timm_compiled and not turn):
                measurements += measure_in_subprocess(
                    preset,
                    list(batch_sizes),
                    train_batch_size,
                    num_classes,
                    dtype,
                    warmup,
                    repeats,
                    compiled,
                )
        measurements = lowest_medians(measurements)
        ceilings = {}
        for batch in sorted({*batch_sizes, train_batch_size}):
            parts = {"forward": model.matmul_shapes(batch)}
            if batch == train_batch_size:
                parts["backward"] = backward_shapes(parts["forward"])
            ceilings[batch] = {"batch_size": batch}
            for part, gemms in parts.items():
                seconds, timings = matmul_ceiling(
                    gemms,
                    dtype,
                    jit_compile,
                    warmup=min(warmup, 2),
                    repeats=min(repeats, 5),
                )
                ceilings[batch][f"{part}_s"] = seconds
                ceilings[batch][f"{part}_gemms"] = [
                    {
                        **dataclasses.asdict(t.gemm),
                        "median_s": t.timing.median_s,
                        "gflops_per_s": t.gflops_per_s,
                    }
                    for t in timings
                ]
    finally:
        keras.config.set_dtype_policy(previous_policy)

    rows = []
    for measurement in measurements:
        entry = _as_dict(measurement)
        ceiling = ceilings[measurement.batch_size]
        # A training step's ceiling: the products of its forward and backward.
        ceiling_s = ceiling["forward_s"] + (
            ceiling["backward_s"] if measurement.task == "train_step" else 0.0
        )
        entry["ceiling_fraction"] = ceiling_s / measurement.timing.median_s
        rows.append(entry)
    ours = {
        (r["task"], r["batch_size"]): r["images_per_s"]
        for r in rows
        if r["implementation"] == implementation
    }
    for entry in rows:
        if entry["implementation"] == implementation:
            continue
        entry["keras_mlpmix_speedup"] = (
            ours[(entry["task"], entry["batch_size"])] / entry["images_per_s"]
        )
    return {
        "preset": preset,
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "keras_mlpmix": __version__,
        "dtype": dtype,
        "jit_compile": resolved_jit,
        "device": f"{platform_choices.device_description()} ({machine_description()})",
        "date": datetime.date.today().isoformat(),
        "num_classes": num_classes,
        "gflops_per_image": flops_per_image / 1e9,
        "first_predict_s": first_predict_s,
        "measurements": rows,
        "ceilings": list(ceilings.values()),
    }


def format_table(result: dict) -> str:
    """The measurements of `run_benchmark` as a plain-text table.

    Example:

    >>> from preset_benchmark import format_table
    >>> row = {"implementation": "keras_mlpmix (jax)", "task": "inference",
    ...        "batch_size": 16, "images_per_s": 8.0, "median_s": 2.0,
    ...        "min_s": 1.9, "max_s": 2.2, "gflops_per_s": 201.6,
    ...        "ceiling_fraction": 0.9, "peak_memory_mb": 1500.0}
    >>> result = {"preset": "mixer_b16_224", "backend": "jax",
    ...           "dtype": "float32", "jit_compile": True, "device": "CPU",
    ...           "gflops_per_image": 25.2, "first_predict_s": 3.0,
    ...           "measurements": [row]}
    >>> print(format_table(result))  # doctest: +NORMALIZE_WHITESPACE
    mixer_b16_224 on jax (float32, jit_compile=True), CPU: 25.20 GFLOP per
    image; first predict 3.00 s with compilation
    implementation task batch img/s median ms min ms max ms GFLOP/s ceiling
    peak MB ours/it
    keras_mlpmix (jax) inference 16 8.00 2000.0 1900.0 2200.0 201.6 0.90 1500
    """
    lines = [
        f"{result['preset']} on {result['backend']} ({result['dtype']}, "
        f"jit_compile={result['jit_compile']}), {result['device']}: "
        f"{result['gflops_per_image']:.2f} GFLOP per image; first predict "
        f"{result['first_predict_s']:.2f} s with compilation",
        f"{'implementation':<52}{'task':<12}{'batch':>6}{'img/s':>9}"
        f"{'median ms':>11}{'min ms':>9}{'max ms':>9}{'GFLOP/s':>9}"
        f"{'ceiling':>9}{'peak MB':>9}{'ours/it':>9}",
    ]
    for row in result["measurements"]:
        speedup = row.get("keras_mlpmix_speedup")
        memory = row["peak_memory_mb"]
        lines.append(
            f"{row['implementation']:<52}{row['task']:<12}{row['batch_size']:>6}"
            f"{row['images_per_s']:>9.2f}{row['median_s'] * 1e3:>11.1f}"
            f"{row['min_s'] * 1e3:>9.1f}{row['max_s'] * 1e3:>9.1f}"
            f"{row['gflops_per_s']:>9.1f}{row['ceiling_fraction']:>9.2f}"
            f"{'' if memory is None else f'{memory:.0f}':>9}"
            f"{'' if speedup is None else f'{speedup:.2f}x':>9}"
        )
    first_calls = [
        f"{row['implementation']} {row['task']} {row['batch_size']}: "
        f"{row['first_call_s']:.1f} s"
        for row in result["measurements"]
        if row.get("first_call_s") is not None
    ]
    if first_calls:
        lines.append("first calls, compilation included: " + "; ".join(first_calls))
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the benchmark's options to `parser` (see `run_from_args`)."""
    parser.add_argument(
        "--preset", default="mixer_b16_224", help="preset (default: %(default)s)"
    )
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        default=[1, 16],
        help="inference batch sizes (default: 1 16)",
    )
    parser.add_argument(
        "--train-batch-size",
        type=int,
        default=16,
        help="batch size of the timed training step (default: %(default)s)",
    )
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=["float32", "mixed_bfloat16", "mixed_float16"],
        help="dtype policy (default: %(default)s)",
    )
    parser.add_argument(
        "--jit-compile",
        default="auto",
        choices=sorted(JIT_CHOICES),
        help="XLA on TensorFlow/JAX, torch.compile on PyTorch (default: "
        "%(default)s, as Model.compile)",
    )
    parser.add_argument(
        "--timm",
        action="store_true",
        help="also time timm's model of the same architecture, in a process "
        "of its own (needs timm; default: off)",
    )
    parser.add_argument(
        "--timm-compile",
        action="store_true",
        help="also time timm's model compiled by torch.compile, in a process "
        "of its own (needs timm; default: off)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="turns of each implementation, interleaved; each task keeps its "
        "lowest median (default: %(default)s)",
    )
    parser.add_argument(
        "--num-classes", type=int, default=1000, help="head width (default: 1000)"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed calls (default: 3)"
    )
    parser.add_argument(
        "--repeats", type=int, default=10, help="timed calls (default: 10)"
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help="also write the result as JSON to FILE (default: table only)",
    )


def main(argv=None) -> int:
    """Runs the benchmark from command-line arguments; prints a table."""
    parser = argparse.ArgumentParser(
        prog="python benchmarks/preset_benchmark.py",
        description="Throughput of a preset on the current Keras backend "
        "(set KERAS_BACKEND), as a fraction of the matmul ceiling and, with "
        "--timm, beside timm.",
    )
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv))


def run_from_args(args: argparse.Namespace) -> int:
    """Runs the benchmark for parsed arguments (see `add_arguments`)."""
    result = run_benchmark(
        args.preset,
        batch_sizes=args.batch_sizes,
        train_batch_size=args.train_batch_size,
        dtype=args.dtype,
        jit_compile=JIT_CHOICES[args.jit_compile],
        timm=args.timm,
        num_classes=args.num_classes,
        warmup=args.warmup,
        repeats=args.repeats,
        timm_compiled=args.timm_compile,
        rounds=args.rounds,
    )
    print(format_table(result))
    if args.json:
        with open(args.json, "w") as file:
            json.dump(result, file, indent=2)
            file.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
