"""Writing generated documentation sources without needless rebuilds.

Sphinx rereads a source whose file changed; rewriting identical text would
make every build a full one. Pages that a generator no longer produces (an
example that was removed) are deleted so that they leave the site too.
"""

from __future__ import annotations

import pathlib


def write_generated(
    pages: dict[pathlib.Path, str], out_dir: pathlib.Path, pattern: str
) -> list[pathlib.Path]:
    """Writes `pages` (path -> text) and deletes other `pattern` files of `out_dir`.

    Returns:
        The paths of `pages`, sorted.
    """
    if out_dir.exists():
        for stale in set(out_dir.glob(pattern)) - set(pages):
            stale.unlink()
    for path, text in pages.items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return sorted(pages)
