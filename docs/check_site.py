"""Checks the built documentation site in a real browser, headless Chromium.

Serves the built HTML on 127.0.0.1 and fails (exit status 1) when:

- a page's internal link is broken: every `href` and `src` of every built
  page that points inside the site must name an existing file, and its
  `#fragment`, if any, an element id (or anchor name) in that file;
- the landing page, the API page or the tutorial screenshots as blank
  (the content area, right of the sidebar, nearly one colour) or their
  rendered DOM has almost no text in the main article;
- an API reference page lacks an object it documents: for every public
  package, the rendered page must hold the entry (`id="package.Name"`) of
  every name it is the home of.

The screenshots are kept (`--screenshots DIR`) for a person to look at.
Needs Chromium (Debian: `apt-get install chromium`) and Pillow. Usage, after
a build (`tox -e docs-browser` does both):

    python docs/check_site.py docs/_build/html --screenshots docs/_build/screenshots
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html.parser
import http.server
import inspect
import os
import pathlib
import posixpath
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse

# Listing the documented objects imports keras_mlpmix, hence Keras (as conf.py).
os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(pathlib.Path(__file__).parent / "_ext"))

import api_reference

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
WINDOW = (1280, 1600)
# A screenshot whose content area is more than this share one colour is blank.
MAX_DOMINANT_FRACTION = 0.97
# The main article of a real page has at least this many characters of text.
MIN_ARTICLE_TEXT = 300


class PageParser(html.parser.HTMLParser):
    """Collects a page's link targets, element ids and main-article text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.article_text: list[str] = []
        self._article_depth = 0
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(name):
                self.ids.add(attributes[name])
        for name in ("href", "src"):
            if attributes.get(name) and tag != "base":
                self.links.append(attributes[name])
        if tag == "article" or self._article_depth:
            self._article_depth += tag not in _VOID
        if tag in ("script", "style") and self._article_depth:
            self._skip_depth += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip_depth:
            self._skip_depth -= 1
        if self._article_depth and tag not in _VOID:
            self._article_depth -= 1

    def handle_data(self, data):
        if self._article_depth and not self._skip_depth:
            self.article_text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.article_text).split())


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
_VOID |= {"source", "track", "wbr"}


def parse(text: str) -> PageParser:
    parser = PageParser()
    parser.feed(text)
    return parser


def broken_links(site: pathlib.Path) -> tuple[int, list[str]]:
    """Checks every internal link of every page; returns (checked, broken)."""
    pages = {
        path: parse(path.read_text(errors="replace")) for path in site.rglob("*.html")
    }
    checked, broken = 0, []
    for page, parsed in pages.items():
        for link in parsed.links:
            url = urllib.parse.urlsplit(link)
            if url.scheme or url.netloc or link.startswith("//"):
                continue
            target = page
            if url.path:
                relative = posixpath.normpath(
                    posixpath.join(page.parent.relative_to(site).as_posix(), url.path)
                )
                target = site / urllib.parse.unquote(relative)
                if target.is_dir():
                    target = target / "index.html"
            checked += 1
            where = f"{page.relative_to(site)}: {link}"
            if relative_escapes(site, target) or not target.is_file():
                broken.append(f"{where} (no file {target})")
            elif url.fragment and target.suffix == ".html":
                fragment = urllib.parse.unquote(url.fragment)
                if fragment not in pages[target].ids:
                    broken.append(f"{where} (no id {fragment!r})")
    return checked, broken


def relative_escapes(site: pathlib.Path, target: pathlib.Path) -> bool:
    return not target.resolve().is_relative_to(site.resolve())


def find_chromium() -> str:
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path
    sys.exit(
        "Chromium was not found (tried: "
        + ", ".join(CHROMIUM_NAMES)
        + "). On Debian or Ubuntu: apt-get install chromium"
    )


def run_chromium(chromium: str, *arguments: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if result.returncode:
        raise RuntimeError(f"chromium failed:\n{result.stderr[-2000:]}")
    return result.stdout


def dominant_fraction(png: pathlib.Path) -> float:
    """The share of the most common colour in the content area of a screenshot.

    The content area is the screenshot less its left quarter, where the
    navigation sidebar is: a page whose content failed to render still has a
    sidebar, so the whole screenshot would not look blank.
    """
    from PIL import Image

    with Image.open(png) as image:
        width, height = image.size
        pixels = image.convert("RGB").crop((width // 4, 0, width, height)).reduce(4)
        colours = pixels.getcolors(maxcolors=pixels.width * pixels.height)
    return max(count for count, _ in colours) / (pixels.width * pixels.height)


@contextlib.contextmanager
def serve(site: pathlib.Path):
    """Serves `site` over HTTP on 127.0.0.1; yields the base URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def expected_api_ids() -> dict[str, list[str]]:
    """For each API page, the ids of the entries it must hold."""
    packages = api_reference.public_packages()
    homes = api_reference.home_packages(packages)
    return {
        f"api/{package.__name__}.html": [
            f"{package.__name__}.{name}"
            for name in package.__all__
            if not inspect.ismodule(getattr(package, name))
            and homes[id(getattr(package, name))] == package.__name__
        ]
        for package in packages
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=pathlib.Path, help="the built HTML folder")
    parser.add_argument(
        "--screenshots", type=pathlib.Path, default=pathlib.Path("screenshots")
    )
    parser.add_argument("--api-page", default="api/keras_mlpmix.layers.html")
    parser.add_argument("--tutorial", default="tutorials/compose_layers.html")
    args = parser.parse_args(argv)
    site = args.site
    failures = []

    pages = sorted(site.rglob("*.html"))
    checked, broken = broken_links(site)
    print(f"{len(pages)} pages; {checked} internal links checked, {len(broken)} broken")
    failures += [f"broken link: {line}" for line in broken]

    chromium = find_chromium()
    args.screenshots.mkdir(parents=True, exist_ok=True)
    api_ids = expected_api_ids()
    with serve(site) as base:
        shots = {
            "landing": "index.html",
            "api": args.api_page,
            "tutorial": args.tutorial,
        }
        for label, page in shots.items():
            png = args.screenshots / f"{label}.png"
            run_chromium(
                chromium,
                f"--window-size={WINDOW[0]},{WINDOW[1]}",
                f"--screenshot={png.resolve()}",
                base + page,
            )
            fraction = dominant_fraction(png)
            text = parse(run_chromium(chromium, "--dump-dom", base + page)).text
            print(
                f"{label}: {page} -> {png} (most common colour {fraction:.1%} of "
                f"pixels; {len(text)} characters of article text)"
            )
            if fraction > MAX_DOMINANT_FRACTION:
                failures.append(f"{page} looks blank ({fraction:.1%} one colour)")
            if len(text) < MIN_ARTICLE_TEXT:
                failures.append(f"{page} has only {len(text)} characters of text")
        for page, ids in api_ids.items():
            found = parse(run_chromium(chromium, "--dump-dom", base + page)).ids
            missing = [entry for entry in ids if entry not in found]
            print(f"{page}: {len(ids) - len(missing)} of {len(ids)} entries rendered")
            failures += [f"{page} lacks the entry of {entry}" for entry in missing]

    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print("site check " + ("failed" if failures else "passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
