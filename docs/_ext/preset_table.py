"""The preset tables, written from the preset registry at build time.

`docs/presets.md` includes `_generated/presets.md`, which this module writes
from `keras_mlpmix.models.presets.PRESETS`. The first table shows what most
readers compare (family, sizes, parameters); the second shows every other
field of the rows, including fields this module does not know about, so a
field added to the registry appears in the docs without a change here.
"""

from __future__ import annotations

import pathlib

from generated_files import write_generated

# Fields shown in the overview table, or folded into the detail table's
# columns below; any other field gets a column of its own.
_OVERVIEW_FIELDS = ("backbone", "image_size", "params", "num_classes", "description")
_FOLDED_FIELDS = ("config", "mean", "std")


def _cell(value) -> str:
    """A value as the text of a Markdown table cell."""
    if value is None:
        text = "none"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, (tuple, list)):
        text = ", ".join(_cell(item) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{key}: {_cell(item)}" for key, item in value.items())
    elif isinstance(value, str) and value.startswith(("http://", "https://")):
        text = f"<{value}>"
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _config_cell(config: dict) -> str:
    return ", ".join(f"`{key}={value!r}`" for key, value in config.items())


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def preset_tables(presets: dict[str, dict]) -> str:
    """The Markdown of both preset tables."""
    overview = [
        [
            f"`{name}`",
            f"{{py:class}}`~keras_mlpmix.models.{row['backbone']}`",
            _cell(row.get("image_size")),
            _cell(row.get("config", {}).get("patch_size")),
            _cell(row.get("config", {}).get("num_blocks")),
            _cell(row.get("config", {}).get("hidden_dim")),
            f"{_cell(row.get('params'))} ({_cell(row.get('num_classes'))} classes)",
            _cell(row.get("description")),
        ]
        for name, row in presets.items()
    ]
    extra_fields = []
    for row in presets.values():
        for field in row:
            if field not in (*_OVERVIEW_FIELDS, *_FOLDED_FIELDS, *extra_fields):
                extra_fields.append(field)
    details = [
        [
            f"`{name}`",
            _config_cell(row.get("config", {})),
            f"mean {_cell(row.get('mean'))}; std {_cell(row.get('std'))}",
            *(_cell(row.get(field)) for field in extra_fields),
        ]
        for name, row in presets.items()
    ]
    lines = _table(
        [
            "preset",
            "backbone",
            "image",
            "patch",
            "blocks",
            "width",
            "parameters",
            "description",
        ],
        overview,
    )
    lines += [
        "The rows in full: the backbone arguments (`config`), the input "
        "normalisation of images scaled to [0, 1] and every other field of the "
        "registry.",
        "",
    ]
    lines += _table(
        ["preset", "config", "normalisation", *(f"`{f}`" for f in extra_fields)],
        details,
    )
    return "\n".join(lines)


def write_preset_tables(out_dir: pathlib.Path) -> list[pathlib.Path]:
    """Writes `out_dir/presets.md` from the registry."""
    from keras_mlpmix.models.presets import PRESETS

    path = out_dir / "presets.md"
    return write_generated({path: preset_tables(PRESETS)}, out_dir, "presets.md")


def _generate(app):
    write_preset_tables(pathlib.Path(app.srcdir) / "_generated")


def setup(app):
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
