"""How long a user waits for a preset's first results: building, compiling, running.

Each preset is measured in a fresh process (nothing compiled or cached before),
on the current backend (`KERAS_BACKEND`), with fresh weights (no download):

1. `build_s`: `ImageClassifier.from_preset(preset, weights=False)`;
2. `first_predict_s`: `compile()` with its defaults, then the first
   `predict_on_batch` at batch 1, tracing and compilation included;
3. `first_train_step_s`: `compile()` with AdamW (as `throughput.py`), then
   the first `train_on_batch` at `--train-batch-size`, compilation included;
4. `train_step_s`: the median of three later steps, for comparison.

    KERAS_BACKEND=jax python benchmarks/first_call.py --output benchmarks/results

writes `<output>/<date>-<device>-<backend>-first-call.json` and prints a table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import statistics
import subprocess
import sys
import time

from timing import machine_description

PRESETS = (
    "mixer_cifar100",
    "fnet_cifar100",
    "gmlp_cifar100",
    "resmlp_cifar100",
    "mixer_b16_224",
    "gmlp_s16_224",
    "resmlp_12_224",
    "fnet_s16_224",
)


def measure_preset(preset: str, train_batch_size: int) -> dict:
    """The first-call times of `preset` in this process (see the module's doc)."""
    import keras
    from throughput import compile_for_training, random_images

    from keras_mlpmix.models import ImageClassifier

    start = time.perf_counter()
    model = ImageClassifier.from_preset(preset, weights=False)
    build_s = time.perf_counter() - start
    images = random_images(1, model.input_shape[1:3])
    model.compile()
    start = time.perf_counter()
    model.predict_on_batch(images)
    first_predict_s = time.perf_counter() - start
    jit_compile = model.jit_compile
    compile_for_training(model)
    images = random_images(train_batch_size, model.input_shape[1:3])
    labels = keras.ops.convert_to_tensor([0] * train_batch_size, "int32")
    start = time.perf_counter()
    model.train_on_batch(images, labels)
    first_train_step_s = time.perf_counter() - start
    steps = []
    for _ in range(3):
        start = time.perf_counter()
        model.train_on_batch(images, labels)
        steps.append(time.perf_counter() - start)
    return {
        "preset": preset,
        "jit_compile": jit_compile,
        "train_batch_size": train_batch_size,
        "build_s": build_s,
        "first_predict_s": first_predict_s,
        "first_train_step_s": first_train_step_s,
        "train_step_s": statistics.median(steps),
    }


def measure_in_subprocess(preset: str, train_batch_size: int) -> dict:
    """`measure_preset` in a fresh Python process, so that nothing is warm."""
    command = [sys.executable, __file__, "--child", preset]
    command += ["--train-batch-size", str(train_batch_size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"measuring {preset} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def format_rows(rows: list[dict]) -> str:
    """The measurements as a fixed-width table, one preset a line."""
    header = f"{'preset':<16} {'build':>7} {'predict':>8} {'1st step':>9} {'step':>7}"
    lines = [header + "   (seconds; first calls include compilation)"]
    for row in rows:
        lines.append(
            f"{row['preset']:<16} {row['build_s']:7.2f} {row['first_predict_s']:8.2f} "
            f"{row['first_train_step_s']:9.2f} {row['train_step_s']:7.2f}"
        )
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=list(PRESETS))
    parser.add_argument("--train-batch-size", type=int, default=16)
    parser.add_argument("--output", type=pathlib.Path, help="folder for the JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_preset(args.child, args.train_batch_size)))
        return
    rows = [measure_in_subprocess(p, args.train_batch_size) for p in args.presets]
    print(format_rows(rows))
    if args.output is not None:
        import keras

        from keras_mlpmix.layers import platform_choices

        backend = keras.backend.backend()
        device = "cpu" if platform_choices.on_cpu() else "accelerator"
        date = datetime.date.today().isoformat()
        report = {
            "backend": backend,
            "keras": keras.__version__,
            "device": f"{platform_choices.device_description()} "
            f"({machine_description()})",
            "date": date,
            "first_calls": rows,
        }
        args.output.mkdir(parents=True, exist_ok=True)
        path = args.output / f"{date}-{device}-{backend}-first-call.json"
        path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"Wrote {path}.")


if __name__ == "__main__":
    main()
