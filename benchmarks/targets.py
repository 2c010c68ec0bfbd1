"""The performance targets, checked against results of `benchmarks/suite.py`.

    python benchmarks/targets.py benchmarks/results/2026-11-23-cpu-*.json

prints one line per target and backend with the measured figure, and a
Markdown table with `--markdown`; given the files of several backends, also
the targets for the fastest backend of each model and task. Every figure is
a ratio of two measurements taken side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

EAGER, COMPILED = "(torch eager)", "(torch.compile)"
MODELS = {"mixer_b16_224": "Mixer-B/16", "gmlp_s16_224": "gMLP-S/16"}
CELLS = [("inference", 1), ("inference", 16), ("train_step", 16)]
MARKDOWN_HEADER = (
    "| target | backend | measured | required | |",
    "|---|---|---:|---|---|",
)


def _row(result: dict, preset: str, implementation: str, task: str, batch: int):
    """The measurement whose implementation contains `implementation`."""
    for entry in result["paper_sizes"]:
        if entry["preset"] != preset:
            continue
        for row in entry["measurements"]:
            if (
                implementation in row["implementation"]
                and row["task"] == task
                and row["batch_size"] == batch
            ):
                return row
    return None


def _vs_timm(result: dict, preset: str, task="inference", batch=16, timm=EAGER):
    row = _row(result, preset, timm, task, batch)
    return None if row is None else row["keras_mlpmix_speedup"]


def _cell(preset: str, task: str, batch: int) -> str:
    what = "training step (AdamW)" if task == "train_step" else "inference"
    return f"{MODELS[preset]} {what}, batch {batch}"


def timm_cells(result: dict) -> list[tuple[str, str, float | None, float, bool]]:
    """Every model, task and batch at least as fast as timm eager, and the
    same against timm under `torch.compile` where that was measured."""
    rows = []
    for timm, what in ((EAGER, "torch eager"), (COMPILED, "torch.compile")):
        for preset in MODELS:
            for task, batch in CELLS:
                measured = _vs_timm(result, preset, task, batch, timm)
                if measured is not None or timm == EAGER:
                    rows.append(
                        (
                            f"{_cell(preset, task, batch)}, vs timm",
                            f"speed-up over timm ({what})",
                            measured,
                            1.0,
                            False,
                        )
                    )
    return rows


def fastest_backend(results: list[dict]) -> list[tuple[str, str, float | None, float]]:
    """(target, fastest backend, its speed-up over timm eager, required) for
    each model and task: the best backend should be 1.3x timm."""
    rows = []
    for preset in MODELS:
        for task, batch in CELLS:
            measured = {
                result["backend"]: _vs_timm(result, preset, task, batch)
                for result in results
            }
            measured = {k: v for k, v in measured.items() if v is not None}
            best = max(measured, key=measured.get, default=None)
            rows.append(
                (
                    f"{_cell(preset, task, batch)}, fastest backend vs timm eager",
                    best or "-",
                    measured.get(best),
                    1.3,
                )
            )
    return rows


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
        *timm_cells(result),
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
    """One Markdown row per target and result: measured, required, status;
    for several backends, then the rows of `fastest_backend`."""
    lines = [*MARKDOWN_HEADER]
    for result in results:
        for target, what, measured, required, at_most in targets(result):
            value = "-" if measured is None else f"{measured:.2f}"
            lines.append(
                f"| {target} ({what}) | {result['backend']} | {value} | "
                f"{'<=' if at_most else '>='} {required} | "
                f"{_status(measured, required, at_most)} |"
            )
    if len({result["backend"] for result in results}) > 1:
        lines += fastest_backend_rows(results)
    return "\n".join(lines)


def fastest_backend_rows(results: list[dict]) -> list[str]:
    """The Markdown rows of `fastest_backend` (columns of `markdown_table`)."""
    rows = []
    for target, backend, measured, required in fastest_backend(results):
        value = "-" if measured is None else f"{measured:.2f}"
        rows.append(
            f"| {target} | {backend} | {value} | >= {required} | "
            f"{_status(measured, required, False)} |"
        )
    return rows


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
    if len({result["backend"] for result in results}) > 1:
        for target, backend, measured, required in fastest_backend(results):
            value = "-" if measured is None else f"{measured:.2f}"
            print(
                f"{backend:<11}{target:<90}{value:>7} (target >= {required}): "
                f"{_status(measured, required, False)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
