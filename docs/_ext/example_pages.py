"""One page per runnable script in `examples/`, written at build time.

A page is the script's docstring as prose (Markdown), followed by the code
after the docstring, included from the file itself so the page always shows
what runs. Headers in the keras-io style (`Title:`, `Author:`,
`Description:` ... lines at the top of the docstring) are understood: the
title becomes the page title and the other fields a short list. A script
without a docstring gets its file name as title. Files whose name starts
with `_` are helpers, not examples. With no `examples/` folder, no page is
written.
"""

from __future__ import annotations

import ast
import pathlib
import re

from generated_files import write_generated

_FIELD = re.compile(r"^([A-Z][A-Za-z ]{0,30}):\s+(.+)$")


def split_header(docstring: str) -> tuple[str, dict[str, str], str]:
    """Splits a docstring into (title, header fields, prose)."""
    lines = docstring.strip().splitlines()
    fields = {}
    name = None
    while lines and lines[0].strip():
        if match := _FIELD.match(lines[0]):
            name = match.group(1)
            fields[name] = match.group(2).strip()
        elif name is not None:  # a field's value continued on the next line
            fields[name] += " " + lines[0].strip()
        else:
            break
        lines.pop(0)
    if "Title" in fields:
        title = fields.pop("Title")
    else:
        title = lines.pop(0).strip() if lines else ""
    return title, fields, _separate_code_blocks("\n".join(lines).strip())


def _separate_code_blocks(prose: str) -> str:
    """Puts a blank line before each indented block that follows a text line.

    In a docstring, `Run:` directly followed by indented commands reads as a
    label and its code; in Markdown an indented block only starts after a
    blank line.
    """
    out = []
    previous = ""
    for line in prose.splitlines():
        starts_code = line.startswith("    ") and not previous.startswith(" ")
        if starts_code and previous.strip():
            out.append("")
        out.append(line)
        previous = line
    return "\n".join(out)


def first_code_line(source: str) -> int:
    """The 1-based number of the first non-blank line after the docstring."""
    module = ast.parse(source)
    if ast.get_docstring(module) is None:
        return 1
    lines = source.splitlines()
    number = module.body[0].end_lineno + 1
    while number <= len(lines) and not lines[number - 1].strip():
        number += 1
    return number


def example_page(script: pathlib.Path, repository_root: str) -> str:
    """The Markdown page of one example script.

    Args:
        script: Path of the example.
        repository_root: Path from the page's folder to the repository root.
    """
    source = script.read_text()
    title, fields, prose = split_header(ast.get_docstring(ast.parse(source)) or "")
    title = title or script.stem.replace("_", " ").capitalize()
    relative = f"examples/{script.name}"
    parts = [f"# {title}", ""]
    if fields:
        parts += [f"**{name}:** {value}  " for name, value in fields.items()]
        parts.append("")
    if prose:
        parts += [prose, ""]
    parts += [
        f"Source: {{download}}`{relative} <{repository_root}/{relative}>`, in the "
        "repository.",
        "",
        f"```{{literalinclude}} {repository_root}/{relative}",
        ":language: python",
        f":lines: {first_code_line(source)}-",
        "```",
        "",
    ]
    return "\n".join(parts)


def write_example_pages(
    examples_dir: pathlib.Path, out_dir: pathlib.Path
) -> list[pathlib.Path]:
    """Writes a page per script of `examples_dir` into `out_dir`; removes stale ones.

    Returns:
        The paths of the pages, sorted; empty when there are no examples.
    """
    scripts = sorted(
        path for path in examples_dir.glob("*.py") if not path.name.startswith("_")
    )
    pages = {
        out_dir / f"{script.stem}.md": example_page(script, "../..")
        for script in scripts
    }
    return write_generated(pages, out_dir, "*.md")


def _generate(app):
    docs = pathlib.Path(app.srcdir)
    write_example_pages(docs.parent / "examples", docs / "examples")


def setup(app):
    app.connect("builder-inited", _generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
