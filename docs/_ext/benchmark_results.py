"""Tables of the committed benchmark results, written at build time.

`docs/benchmarks.md` includes `_generated/benchmark_results.md`, which this
module writes from the JSON files in `benchmarks/results/`. Nothing is
assumed about a file's fields: its top-level values become a short list
(nested objects flattened to `outer.inner`) and every list of objects becomes
a table with one column per field. Only figures found in committed files are
shown; with no files the page says so.
"""

from __future__ import annotations

import json
import pathlib

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


def result_section(path: pathlib.Path) -> str:
    """The Markdown section of one results file."""
    data = json.loads(path.read_text())
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


def results_page(results_dir: pathlib.Path) -> str:
    """The Markdown of every results file of `results_dir`, by file name."""
    files = sorted(results_dir.glob("*.json"))
    if not files:
        return (
            "No benchmark results are committed in `benchmarks/results/` yet: "
            "this page shows figures only from files found there.\n"
        )
    return "\n".join(result_section(path) for path in files)


def write_results_page(
    results_dir: pathlib.Path, out_dir: pathlib.Path
) -> list[pathlib.Path]:
    """Writes `out_dir/benchmark_results.md`."""
    path = out_dir / "benchmark_results.md"
    return write_generated(
        {path: results_page(results_dir)}, out_dir, "benchmark_results.md"
    )


def _generate(app):
    docs = pathlib.Path(app.srcdir)
    write_results_page(docs.parent / "benchmarks" / "results", docs / "_generated")


def setup(app):
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
