"""Tables of the committed benchmark results, written at build time.

`docs/benchmarks.md` includes `_generated/benchmark_results.md`, which this
module writes from the JSON files in `benchmarks/results/`. A file written
by `benchmarks/suite.py` becomes the table of the performance targets
(`benchmarks/targets.py`) and the benchmark's own tables. Of any other file
nothing is assumed: its top-level values become a short list (nested
objects flattened to `outer.inner`) and every list of objects becomes a
table with one column per field. Only figures found in committed files are
shown; with no files the page says so.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys

from generated_files import write_generated


def _text(value) -> str:
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif value is None:
        text = "none"
    elif isinstance(value, list):
        text = ", ".join(_text(item) for item in value)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _flatten(mapping: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _is_table(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) for item in value)
    )


def _table(records: list[dict]) -> list[str]:
    records = [_flatten(record) for record in records]
    columns = list(dict.fromkeys(key for record in records for key in record))
    numeric = [
        all(isinstance(record.get(column), (int, float)) for record in records)
        for column in columns
    ]
    alignment = "".join("---:|" if number else "---|" for number in numeric)
    lines = ["| " + " | ".join(columns) + " |", "|" + alignment]
    lines += [
        "| " + " | ".join(_text(record.get(column)) for column in columns) + " |"
        for record in records
    ]
    return [*lines, ""]


def _load(path: pathlib.Path, name: str):
    """A script of benchmarks/ as a module; its folder is on the path, as when run."""
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def suite_section(path: pathlib.Path, data: dict, targets_file: pathlib.Path) -> str:
    """The Markdown section of one file written by `benchmarks/suite.py`."""
    format_table = _load(
        targets_file.with_name("preset_benchmark.py"), "preset_benchmark"
    ).format_table

    cifar, fourier = data["cifar_training"], data["fourier_share"]
    imports = data["import"]
    lines = [
        f"### {data['backend']}, {data['date']} (`{path.name}`)",
        "",
        f"{data['machine']} ({data['device']}); Keras {data['keras']}, "
        f"keras-mlpmix {data['keras_mlpmix']}"
        + (f" at commit `{data['commit']}`" if data.get("commit") else "")
        + f", Python {data['python']}; the run took {data['wall_s'] / 60:.0f} "
        "minutes.",
        "",
        _load(targets_file, "benchmark_targets").markdown_table([data]),
        "",
        f"- CIFAR-100 Mixer training step, batch {cifar['batch_size']}: "
        f"{cifar['keras_mlpmix']['median_s'] * 1e3:.0f} ms, the keras-io design "
        f"{cifar['keras_io_design']['median_s'] * 1e3:.0f} ms"
        + (
            f" ({cifar['keras_io_design_xla']['median_s'] * 1e3:.0f} ms under XLA)"
            if "keras_io_design_xla" in cifar
            else ""
        )
        + ".",
        f"- FNet at {tuple(fourier['shape'])}: Fourier mixing "
        f"{fourier['fourier_mixing_s'] * 1e3:.1f} ms of the block's "
        f"{fourier['fnet_block_s'] * 1e3:.1f} ms.",
        f"- `import keras` {imports['import_keras_s']:.2f} s; `import "
        f"keras_mlpmix` adds {imports['import_keras_mlpmix_added_s']:.3f} s "
        f"(median of {imports['runs']} fresh processes).",
        "",
        "```text",
        *(format_table(entry) + "\n" for entry in data["paper_sizes"]),
        "```",
        "",
    ]
    return "\n".join(lines)


def result_section(path: pathlib.Path, targets_file: pathlib.Path | None = None) -> str:
    """The Markdown section of one results file."""
    data = json.loads(path.read_text())
    if targets_file is not None and isinstance(data, dict) and "paper_sizes" in data:
        return suite_section(path, data, targets_file)
    lines = [f"### `{path.name}`", ""]
    if _is_table(data):
        return "\n".join(lines + _table(data))
    if not isinstance(data, dict):
        return "\n".join([*lines, f"`{_text(data)}`", ""])
    tables = {key: value for key, value in data.items() if _is_table(value)}
    scalars = _flatten({k: v for k, v in data.items() if k not in tables})
    lines += [f"- **{key}**: {_text(value)}" for key, value in scalars.items()]
    lines.append("")
    for key, records in tables.items():
        lines += [f"**{key}**", "", *_table(records)]
    return "\n".join(lines)


def results_page(
    results_dir: pathlib.Path, targets_file: pathlib.Path | None = None
) -> str:
    """The Markdown of every results file of `results_dir`, by file name.

    Files of `benchmarks/suite.py` are shown against the targets defined in
    `targets_file` when it is given.
    """
    files = sorted(results_dir.glob("*.json"))
    if not files:
        return (
            "No benchmark results are committed in `benchmarks/results/` yet: "
            "this page shows figures only from files found there.\n"
        )
    sections = [result_section(path, targets_file) for path in files]
    if targets_file is not None:
        sections += fastest_backend_section(files, targets_file)
    return "\n".join(sections)


def fastest_backend_section(files: list[pathlib.Path], targets_file) -> list[str]:
    """For the newest date with suite results of several backends, the
    fastest backend of each model and task against its target."""
    suites = {}
    for path in files:
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "paper_sizes" in data:
            suites.setdefault(data["date"], []).append(data)
    dates = [date for date, runs in suites.items() if len(runs) > 1]
    if not dates:
        return []
    date = max(dates)
    targets = _load(targets_file, "benchmark_targets")
    return [
        f"### Fastest backend, {date}",
        "",
        *targets.MARKDOWN_HEADER,
        *targets.fastest_backend_rows(suites[date]),
        "",
    ]


def write_results_page(
    results_dir: pathlib.Path, out_dir: pathlib.Path
) -> list[pathlib.Path]:
    """Writes `out_dir/benchmark_results.md`."""
    path = out_dir / "benchmark_results.md"
    page = results_page(results_dir, results_dir.parent / "targets.py")
    return write_generated({path: page}, out_dir, "benchmark_results.md")


def _generate(app):
    docs = pathlib.Path(app.srcdir)
    write_results_page(docs.parent / "benchmarks" / "results", docs / "_generated")


def setup(app):
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
