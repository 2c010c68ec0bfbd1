"""Every performance target of keras-mlpmix, measured on one backend.

Run once per backend (Keras takes its backend from `KERAS_BACKEND`), in an
environment with timm installed for the comparisons with it:

    KERAS_BACKEND=jax python benchmarks/suite.py --output benchmarks/results

or, for all three backends, `tox -e bench-tensorflow,bench-jax,bench-torch`.
Each run writes `<output>/<date>-<device>-<backend>.json`, prints its
tables and then the targets with the measured ratios (also available later
with `python benchmarks/targets.py FILE...`). What is measured, side by side in one
process:

1. Mixer-B/16 and gMLP-S/16 (224x224, float32): inference at batch 1 and
   16 and a training step at batch 16, each beside timm's model of the
   same architecture, and the matmul ceiling at the models' own shapes.
   Ours and timm (eager, in a process of its own) take `--rounds` turns
   and each task keeps its lowest median; on PyTorch, timm compiled by
   `torch.compile` is timed once more, a second reference.
2. The keras-io CIFAR-100 Mixer (64x64, patch 8, 256 channels, 4 blocks):
   a training step at batch 256 of the `mixer_cifar100` preset and of a
   straightforward model with the example's design (`keras_io_design.py`).
3. FNet at the CIFAR-100 configuration: the time of `FourierMixing` as a
   fraction of an `FNetBlock`'s, forward, batch 256, each compiled as the
   models are (`XLAModel`).
4. The time `from keras_mlpmix import ImageClassifier` adds to `import
   keras`, in fresh processes.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import keras
import numpy as np
from keras import ops
from keras_io_design import keras_io_mixer
from preset_benchmark import format_table, run_benchmark
from targets import main as print_targets
from throughput import lowest_medians, measure, measure_train_step
from timing import machine_description

import keras_mlpmix
from keras_mlpmix.layers import FNetBlock, FourierMixing
from keras_mlpmix.models import XLAModel


def paper_sizes(args) -> list[dict]:
    """Mixer-B/16 and gMLP-S/16 beside timm."""
    results = []
    for preset in ("mixer_b16_224", "gmlp_s16_224"):
        result = run_benchmark(
            preset,
            batch_sizes=[1, 16],
            train_batch_size=16,
            timm=not args.no_timm,
            warmup=args.warmup,
            repeats=args.repeats,
            timm_compiled=not args.no_timm and keras.backend.backend() == "torch",
            rounds=args.rounds,
        )
        print(format_table(result), flush=True)
        results.append(result)
    return results


def cifar_training(args) -> dict:
    """Training step of the CIFAR-100 Mixer preset and of the keras-io design.

    Each model compiles with its defaults (`jit_compile="auto"`): XLA on JAX,
    eager PyTorch, and on TensorFlow XLA for ours (see `XLAModel`) but not
    for the plain `keras.Model` of the keras-io design. So on TensorFlow
    the design also runs under XLA, and the speedup is over its faster run.
    The models take `--rounds` turns; each keeps its lowest median.
    """
    batch_size = 256
    runs = [
        (
            "keras_mlpmix",
            keras_mlpmix.ImageClassifier.from_preset("mixer_cifar100"),
            "auto",
        ),
        ("keras_io_design", keras_io_mixer(), "auto"),
    ]
    if keras.backend.backend() == "tensorflow":
        runs.append(("keras_io_design_xla", keras_io_mixer(), True))
    measurements = lowest_medians(
        [
            measure_train_step(
                model,
                batch_size,
                0,
                name,
                jit_compile=jit_compile,
                warmup=args.warmup,
                repeats=args.repeats,
            )
            for _ in range(args.rounds)
            for name, model, jit_compile in runs
        ]
    )
    rows = {}
    for (name, model, _), measurement in zip(runs, measurements, strict=True):
        rows[name] = {
            "trainable_weights": sum(
                int(np.prod(w.shape)) for w in model.trainable_weights
            ),
            "jit_compile": model.jit_compile,
            "median_s": measurement.timing.median_s,
            "min_s": measurement.timing.min_s,
            "max_s": measurement.timing.max_s,
        }
    reference_s = min(
        row["median_s"] for name, row in rows.items() if name != "keras_mlpmix"
    )
    speedup = reference_s / rows["keras_mlpmix"]["median_s"]
    print(
        f"CIFAR-100 Mixer training step, batch {batch_size}: "
        + ", ".join(
            f"{name} {row['median_s'] * 1e3:.1f} ms (jit_compile={row['jit_compile']})"
            for name, row in rows.items()
        )
        + f": {speedup:.2f}x over the faster keras-io design",
        flush=True,
    )
    return {"batch_size": batch_size, **rows, "speedup": speedup}


class _Summed(keras.layers.Layer):
    """Sums the channels of a layer's output, so that little is copied out."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, inputs):
        return ops.sum(self.inner(inputs), axis=-1)


def fourier_share(args) -> dict:
    """Time of the Fourier mixing as a fraction of an FNet block's time."""
    shape = (256, 64, 256)  # batch, patches (64x64 images, patch 8), channels
    inputs = ops.convert_to_tensor(
        np.random.default_rng(0).standard_normal(shape), "float32"
    )
    models = {}
    for name, layer in (
        ("fourier_mixing", FourierMixing()),
        ("fnet_block", FNetBlock(ffn_dim=256)),
    ):
        tokens = keras.Input(shape[1:])
        # Compiled as the FNet models are: XLA on TensorFlow and JAX.
        models[name] = XLAModel(tokens, _Summed(layer)(tokens))
        models[name].compile()
    measurements = lowest_medians(  # in turns; each keeps its lowest median
        [
            measure(
                lambda model=model: model.predict_on_batch(inputs),
                name,
                "inference",
                shape[0],
                0,
                args.warmup,
                args.repeats,
            )
            for _ in range(args.rounds)
            for name, model in models.items()
        ]
    )
    times = {m.implementation: m.timing.median_s for m in measurements}
    share = times["fourier_mixing"] / times["fnet_block"]
    print(
        f"FNet at the CIFAR-100 configuration {shape}: Fourier mixing "
        f"{times['fourier_mixing'] * 1e3:.2f} ms of a block's "
        f"{times['fnet_block'] * 1e3:.2f} ms ({share:.0%})",
        flush=True,
    )
    return {"shape": shape, **{f"{k}_s": v for k, v in times.items()}, "share": share}


_IMPORT_PROBE = """
import time
start = time.perf_counter()
import keras
middle = time.perf_counter()
from keras_mlpmix import ImageClassifier
end = time.perf_counter()
print(middle - start, end - middle)
"""


def import_time(runs: int = 5) -> dict:
    """Seconds the package's models add after `import keras`, fresh processes."""
    keras_s, added_s = [], []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        keras_s.append(float(output[-2]))
        added_s.append(float(output[-1]))
    result = {
        "import_keras_s": statistics.median(keras_s),
        "import_keras_mlpmix_added_s": statistics.median(added_s),
        "runs": runs,
    }
    print(
        f"import keras {result['import_keras_s']:.2f} s; import keras_mlpmix "
        f"adds {result['import_keras_mlpmix_added_s']:.3f} s (median of {runs})",
        flush=True,
    )
    return result


def _commit() -> str | None:
    """The git commit of the measured code, with `+` if it has local changes."""
    root = pathlib.Path(__file__).parents[1]
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty=+", "--abbrev=12"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit or None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=pathlib.Path, default=pathlib.Path("."))
    parser.add_argument("--device", default="cpu", help="name for the output file")
    parser.add_argument("--warmup", type=int, default=2, help="per round")
    parser.add_argument("--repeats", type=int, default=5, help="per round")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved turns")
    parser.add_argument("--no-timm", action="store_true", help="skip timm")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    result = {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "keras_mlpmix": keras_mlpmix.__version__,
        "commit": _commit(),
        "python": platform.python_version(),
        "machine": machine_description(),
        "device": args.device,
        "date": time.strftime("%Y-%m-%d"),
        "import": import_time(),
        "fourier_share": fourier_share(args),
        "cifar_training": cifar_training(args),
        "paper_sizes": paper_sizes(args),
    }
    result["wall_s"] = time.perf_counter() - start
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / f"{result['date']}-{args.device}-{result['backend']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path} after {result['wall_s']:.0f} s")
    return print_targets([str(path)])


if __name__ == "__main__":
    sys.exit(main())
