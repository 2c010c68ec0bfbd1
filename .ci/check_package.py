"""Builds the sdist and the wheel and checks them the way a user would meet them.

1. `python -m build` makes the sdist, then the wheel from the unpacked sdist
   (so the wheel is built without git metadata, as PyPI users' would be).
2. `twine check --strict` checks the metadata and that the README renders.
3. The sdist must hold every tracked file of the source, tests, docs and
   examples plus the licence, changelog and build files; the wheel must hold
   every tracked file of the package, `py.typed` included, and no tests.
4. The version must survive every way of building: from git (the tag), from
   the sdist (PKG-INFO), from a `git archive` of a tag (.git_archival.txt) and
   from a bare tree with no metadata at all (the fallback, `0.0.dev0`).
5. For each backend, a fresh virtual environment installs the wheel with that
   backend's extra and runs `package_smoke.py` from outside the source tree.

Run it through tox: `tox -e package`. It prints what it measured (sizes,
install and smoke-test times) and exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import email.parser
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
SMOKE_TEST = pathlib.Path(__file__).with_name("package_smoke.py")
BACKENDS = ("tensorflow", "jax", "torch")
# Installed beside each extra: the CPU build of PyTorch (a bare `torch` pulls
# a multi-GB CUDA build).
PINS = {"torch": ["torch==2.13.0"]}
SDIST_FOLDERS = ("src", "tests", "docs", "examples")
SDIST_FILES = (
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "pyproject.toml",
    "tox.ini",
    "PKG-INFO",
)
FALLBACK_VERSION = "0.0.dev0"
# The tag given to a throwaway clone to check that a git archive knows it.
ARCHIVE_TAG = "1.2.3"


class PackageCheckError(Exception):
    """A distribution is not what it must be; the message says how."""


def run(*command, cwd=ROOT, env=None, capture=False):
    """Runs a command, raising PackageCheckError with its output if it fails."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        check=False,
    )
    if result.returncode:
        raise PackageCheckError(
            f"`{' '.join(map(str, command))}` failed with exit code "
            f"{result.returncode}" + (f":\n{result.stdout}" if capture else "")
        )
    return result.stdout


def tracked_files(*folders):
    """Files under `folders` that git tracks, as POSIX paths from the root."""
    listing = run("git", "ls-files", "--", *folders, capture=True)
    return {line for line in listing.splitlines() if line}


def wheel_version(wheel: pathlib.Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(archive.read(name).decode())["Version"]


def build(dist_dir: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    for old in dist_dir.glob("keras_mlpmix-*"):
        old.unlink()
    run(sys.executable, "-m", "build", "--outdir", dist_dir, capture=True)
    (sdist,) = dist_dir.glob("keras_mlpmix-*.tar.gz")
    (wheel,) = dist_dir.glob("keras_mlpmix-*.whl")
    return sdist, wheel


def check_sdist(sdist: pathlib.Path) -> None:
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    missing = sorted(
        (tracked_files(*SDIST_FOLDERS) | set(SDIST_FILES))
        - names
        - {".gitignore"}  # Not a source file; hatchling leaves it out.
    )
    if missing:
        raise PackageCheckError(f"{sdist.name} lacks {len(missing)} files: {missing}")


def check_wheel(wheel: pathlib.Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    package = {name.removeprefix("src/") for name in tracked_files("src/keras_mlpmix")}
    missing = sorted(package - names)
    if missing:
        raise PackageCheckError(f"{wheel.name} lacks package files: {missing}")
    if "keras_mlpmix/py.typed" not in names:
        raise PackageCheckError(f"{wheel.name} lacks keras_mlpmix/py.typed")
    strays = sorted(
        name
        for name in names
        if not name.startswith(("keras_mlpmix/", "keras_mlpmix-"))
        or "/tests/" in name
        or "__pycache__" in name
    )
    if strays:
        raise PackageCheckError(
            f"{wheel.name} holds files that do not belong: {strays}"
        )
    if not any(name.endswith(".dist-info/licenses/LICENSE") for name in names):
        raise PackageCheckError(f"{wheel.name} lacks the licence file")


def build_wheel_from(tree: pathlib.Path, out: pathlib.Path) -> str:
    """Builds a wheel from `tree` without isolation and returns its version."""
    run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        out,
        tree,
        cwd=tree,
        capture=True,
    )
    (wheel,) = out.glob("keras_mlpmix-*.whl")
    return wheel_version(wheel)


def check_versions(sdist: pathlib.Path, wheel: pathlib.Path, scratch: pathlib.Path):
    """The version from git, the sdist, a git archive and a bare tree."""
    version = wheel_version(wheel)
    sdist_version = sdist.name.removeprefix("keras_mlpmix-").removesuffix(".tar.gz")
    if version != sdist_version or version == FALLBACK_VERSION:
        raise PackageCheckError(
            f"the wheel built from {sdist.name} has version {version!r}: the "
            "sdist did not carry the version from git"
        )
    # A tarball of a tagged commit made by `git archive` (as code hosts serve
    # them) has no git metadata but .git_archival.txt, filled in by git. The
    # tag is made in a throwaway clone.
    clone = scratch / "clone"
    run("git", "clone", "--quiet", ROOT, clone, capture=True)
    run("git", "-C", clone, "tag", f"v{ARCHIVE_TAG}")
    tarball = scratch / "source.tar"
    run("git", "-C", clone, "archive", "--format=tar", f"--output={tarball}", "HEAD")
    archive_tree = scratch / "git-archive"
    archive_tree.mkdir()
    with tarfile.open(tarball) as archive:
        archive.extractall(archive_tree, filter="data")
    archived = build_wheel_from(archive_tree, scratch / "archive-dist")
    if archived != ARCHIVE_TAG:
        raise PackageCheckError(
            f"a `git archive` of a commit tagged v{ARCHIVE_TAG} builds as "
            f"{archived!r}: .git_archival.txt was not filled in or not read"
        )

    bare_tree = scratch / "bare"
    shutil.copytree(archive_tree, bare_tree)
    (bare_tree / ".git_archival.txt").unlink()
    bare = build_wheel_from(bare_tree, scratch / "bare-dist")
    if bare != FALLBACK_VERSION:
        raise PackageCheckError(
            f"a tree without git metadata builds as {bare!r}, "
            f"not the fallback {FALLBACK_VERSION!r}"
        )
    return version, archived, bare


def install(backend: str, wheel: pathlib.Path, scratch: pathlib.Path):
    """Creates a fresh venv with the wheel and `backend`'s extra installed.

    Returns the venv's Python and the seconds it took.
    """
    start = time.perf_counter()
    venv = scratch / f"venv-{backend}"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        # Byte-compiling every module of TensorFlow, JAX or PyTorch would take
        # longer than importing the few the smoke test needs.
        "--no-compile",
        f"{wheel}[{backend}]",
        *PINS.get(backend, []),
        capture=True,
    )
    return python, time.perf_counter() - start


def smoke_test(backend: str, python: pathlib.Path, version: str, scratch: pathlib.Path):
    """Runs the smoke test in `python`'s venv and returns the seconds it took."""
    # A copy in an empty folder, so nothing from the source tree is importable.
    workdir = scratch / f"smoke-{backend}"
    workdir.mkdir()
    script = shutil.copy(SMOKE_TEST, workdir)
    env = {**os.environ, "KERAS_BACKEND": backend}
    env.pop("PYTHONPATH", None)
    start = time.perf_counter()
    run(python, script, version, cwd=workdir, env=env)
    return time.perf_counter() - start


def say(message: str) -> None:
    print(message, flush=True)  # Ahead of the subprocesses' output.


def check_all(args) -> None:
    """Runs every check in turn, saying what it found as it goes."""
    sdist, wheel = build(args.dist_dir)
    say(f"built {sdist.name}: {sdist.stat().st_size / 1024:.1f} KiB")
    say(f"built {wheel.name}: {wheel.stat().st_size / 1024:.1f} KiB")
    run(sys.executable, "-m", "twine", "check", "--strict", sdist, wheel)
    check_sdist(sdist)
    check_wheel(wheel)
    say(
        "contents: the sdist has the sources, tests, docs and examples; the "
        "wheel has the package with py.typed and no tests"
    )
    scratch = args.scratch_dir
    version, archived, bare = check_versions(sdist, wheel, scratch)
    say(
        f"version: {version} from the sdist, {archived} from a git archive "
        f"tagged v{ARCHIVE_TAG}, {bare} from a tree without git metadata"
    )
    for backend in args.backends:
        python, installed = install(backend, wheel, scratch)
        smoked = smoke_test(backend, python, version, scratch)
        say(
            f"{backend}: fresh venv and install {installed:.1f} s, "
            f"smoke test {smoked:.1f} s"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dist-dir",
        type=pathlib.Path,
        default=ROOT / "dist",
        help="where to write the sdist and wheel (default: dist/)",
    )
    parser.add_argument(
        "--scratch-dir",
        type=pathlib.Path,
        help="an empty folder for the venvs and trial builds, left in place "
        "(default: a temporary folder, deleted at the end)",
    )
    parser.add_argument(
        "--backends",
        nargs="*",
        default=list(BACKENDS),
        choices=BACKENDS,
        help="backends whose extra is smoke-tested in a fresh venv (default: all)",
    )
    args = parser.parse_args(argv)
    args.dist_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        if args.scratch_dir is None:
            with tempfile.TemporaryDirectory(prefix="keras-mlpmix-") as scratch:
                args.scratch_dir = pathlib.Path(scratch)
                check_all(args)
        else:
            if args.scratch_dir.exists() and any(args.scratch_dir.iterdir()):
                raise PackageCheckError(
                    f"--scratch-dir {args.scratch_dir} is not empty"
                )
            args.scratch_dir.mkdir(parents=True, exist_ok=True)
            check_all(args)
    except PackageCheckError as failure:
        print(f"package check FAILED: {failure}", file=sys.stderr)
        return 1
    say(f"package checks passed in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
