"""`summary-table`: autosummary with each object's whole one-line summary.

autosummary cuts a summary at the first period followed by a space, which
turns "One MLP-Mixer block (Tolstikhin et al., 2021, eq. 1)." into "... eq.".
The project's docstrings start with a one-line summary, so this table shows
that line (the first paragraph) whole, for classes and functions; other
objects keep autosummary's summary.
"""

from __future__ import annotations

import inspect

from sphinx.ext.autosummary import Autosummary, import_by_name


class SummaryTable(Autosummary):
    """The `autosummary` directive with the docstrings' first paragraph as summary."""

    def get_items(self, names):
        items = []
        for display_name, signature, summary, real_name in super().get_items(names):
            obj = import_by_name(real_name)[1]
            if inspect.isclass(obj) or inspect.isroutine(obj):
                first_paragraph = (inspect.getdoc(obj) or "").split("\n\n", 1)[0]
                summary = " ".join(first_paragraph.split())
            items.append((display_name, signature, summary, real_name))
        return items


def setup(app):
    app.setup_extension("sphinx.ext.autosummary")
    app.add_directive("summary-table", SummaryTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
