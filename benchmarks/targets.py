"""The performance targets, checked against results of `benchmarks/suite.py`.

    python benchmarks/targets.py benchmarks/results/2026-11-23-cpu-*.json

prints one line per target and backend with the measured figure, and a
Markdown table with `--markdown`. Every figure is a ratio of two
measurements taken side by side in one process.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys


def _row(result: dict, preset: str, implementation: str, task: str, batch: int):
    for entry in result["paper_sizes"]:
        if entry["preset"] != preset:
            continue
        for row in entry["measurements"]:
            if (
                row["implementation"].startswith(implementation)
                and row["task"] == task
                and row["batch_size"] == batch
            ):
                return row
    return None


def _vs_timm(result: dict, preset: str, batch: int = 16):
    row = _row(result, preset, "timm", "inference", batch)
    return None if row is None else row["keras_mlpmix_speedup"]


def targets(result: dict) -> list[tuple[str, str, float | None, float, bool]]:
    """(target, what is compared, measured, required, at_most) per target.

    `at_most` is True where the measured value must not exceed the required
    one, False where it must reach it.
    """
    ours_b16 = _row(result, "mixer_b16_224", "keras_mlpmix", "inference", 16)
    return [
        (
            "Mixer-B/16 inference, batch 16, vs timm",
            "speed-up over timm (torch eager)",
            _vs_timm(result, "mixer_b16_224"),
            1.2,
            False,
        ),
        (
            "Mixer-B/16 inference, batch 16, vs matmul ceiling",
            "fraction of the ceiling",
            None if ours_b16 is None else ours_b16["ceiling_fraction"],
            0.85,
            False,
        ),
        (
            "gMLP-S/16 inference, batch 16, vs timm",
            "speed-up over timm (torch eager)",
            _vs_timm(result, "gmlp_s16_224"),
            2.0,
            False,
        ),
        (
            "CIFAR-100 Mixer training step, batch 256",
            "speed-up over the keras-io design",
            result["cifar_training"]["speedup"],
            1.3,
            False,
        ),
        (
            "FNet Fourier mixing at the CIFAR-100 size",
            "share of the block's time",
            result["fourier_share"]["share"],
            0.25,
            True,
        ),
        (
            "import keras_mlpmix after keras",
            "seconds added",
            result["import"]["import_keras_mlpmix_added_s"],
            0.3,
            True,
        ),
    ]


def _status(measured, required, at_most: bool) -> str:
    if measured is None:
        return "not measured"
    met = measured <= required if at_most else measured >= required
    return "met" if met else "NOT met"


def markdown_table(results: list[dict]) -> str:
    """One Markdown row per target and result: measured, required, status."""
    lines = [
        "| target | backend | measured | required | |",
        "|---|---|---:|---|---|",
    ]
    for result in results:
        for target, what, measured, required, at_most in targets(result):
            value = "-" if measured is None else f"{measured:.2f}"
            lines.append(
                f"| {target} ({what}) | {result['backend']} | {value} | "
                f"{'<=' if at_most else '>='} {required} | "
                f"{_status(measured, required, at_most)} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", type=pathlib.Path)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    results = [json.loads(path.read_text()) for path in args.results]
    if args.markdown:
        print(markdown_table(results))
        return 0
    for result in results:
        for target, what, measured, required, at_most in targets(result):
            status = _status(measured, required, at_most)
            required = f"{'<=' if at_most else '>='} {required}"
            value = "-" if measured is None else f"{measured:.2f}"
            print(
                f"{result['backend']:<11}{target:<52}{what:<38}"
                f"{value:>7} (target {required}): {status}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
