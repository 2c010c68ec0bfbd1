"""The preset tables, written from the preset registry at build time.

`docs/presets.md` includes `_generated/presets.md`, which this module writes
from `keras_mlpmix.models.presets.PRESETS`: a table of what most readers
compare (family, sizes, parameters, computed from the built models with
`parameter_count`), then every row in full, including fields this module
does not know about, so that a field added to the registry appears in the
docs without a change here.
"""

from __future__ import annotations

import pathlib

from generated_files import write_generated

# Fields that the overview table or the details list show in their own way;
# every other field of a row is listed by name with its value.
_SHOWN_FIELDS = (
    "backbone",
    "description",
    "config",
    "image_size",
    "num_classes",
    "mean",
    "std",
)


def _cell(value) -> str:
    """A value as Markdown text that fits in a table cell."""
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


def _family(backbone: str) -> str:
    """A link to the backbone class, labelled with the family name."""
    label = backbone.removesuffix("Backbone")
    return f"{{py:class}}`{label} <keras_mlpmix.models.{backbone}>`"


def preset_tables(presets: dict[str, dict], parameter_count) -> str:
    """The Markdown of the overview table and of every row in full.

    Args:
        presets: The rows, by name.
        parameter_count: Returns a preset's number of weights from its name.
    """
    lines = [
        "| preset | family | image | patch | blocks | width | parameters | classes |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, row in presets.items():
        config = row.get("config", {})
        cells = [
            f"[`{name}`](#preset-{name})",
            _family(row["backbone"]),
            *(
                _cell(value)
                for value in (
                    row.get("image_size"),
                    config.get("patch_size"),
                    config.get("num_blocks"),
                    config.get("hidden_dim"),
                    parameter_count(name),
                    row.get("num_classes"),
                )
            ),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Every preset in full", ""]
    for name, row in presets.items():
        lines += [f"({'preset-' + name})=", f"### `{name}`", ""]
        lines += [_cell(row.get("description")), ""]
        arguments = ", ".join(
            f"`{key}={value!r}`" for key, value in row.get("config", {}).items()
        )
        lines += [
            f"- **backbone**: {_family(row['backbone'])}, `image_size="
            f"{row.get('image_size')!r}`, {arguments}",
            f"- **parameters**: {_cell(parameter_count(name))} with a "
            f"{_cell(row.get('num_classes'))}-class head",
            f"- **input normalisation** (images scaled to [0, 1]): mean "
            f"{_cell(row.get('mean'))}; std {_cell(row.get('std'))}",
        ]
        lines += [
            f"- **{field}**: {_cell(value)}"
            for field, value in row.items()
            if field not in _SHOWN_FIELDS
        ]
        lines.append("")
    return "\n".join(lines)


def write_preset_tables(out_dir: pathlib.Path) -> list[pathlib.Path]:
    """Writes `out_dir/presets.md` from the registry."""
    from keras_mlpmix.models import parameter_count
    from keras_mlpmix.models.presets import PRESETS

    path = out_dir / "presets.md"
    page = preset_tables(PRESETS, parameter_count)
    return write_generated({path: page}, out_dir, "presets.md")


def _generate(app):
    write_preset_tables(pathlib.Path(app.srcdir) / "_generated")


def setup(app):
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
