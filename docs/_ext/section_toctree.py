"""A toctree for a section of the site that may have no pages yet.

`section-toctree` takes the same options and entries as `toctree`. Its glob
patterns (`tutorials/*`, `examples/*`) pick up pages as they are added; a
pattern that matches no page is dropped instead of being reported as a
warning (which would fail the `-W` build), and a section left with no entry
is left out of the navigation.
"""

from __future__ import annotations

from docutils.statemachine import StringList
from sphinx.directives.other import TocTree
from sphinx.util.matching import Matcher, patfilter


class SectionTocTree(TocTree):
    """A `toctree` whose empty glob patterns, and empty self, are dropped."""

    def run(self):
        if "glob" in self.options:
            env = self.env
            excluded = Matcher(self.config.exclude_patterns)
            documents = [doc for doc in env.found_docs if not excluded(doc)]
            base = env.docname.rpartition("/")[0]
            self.content = StringList(
                [
                    entry
                    for entry in self.content
                    if not any(char in entry for char in "*?[")
                    or patfilter(documents, f"{base}/{entry}" if base else entry)
                ]
            )
        if not any(entry.strip() for entry in self.content):
            return []
        return super().run()


def setup(app):
    app.add_directive("section-toctree", SectionTocTree)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
