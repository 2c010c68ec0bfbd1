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
   backend's extra and runs `package_smoke.py` from outside the source tree,
   then, with `KERAS_BACKEND` unset, an empty home and no network, every
   command of README.md's bash blocks word for word (installs and tox runs
   aside: the environment is the install, and tox is the CI itself) and
   every Python block. A command may fail only on a download, with one line.
6. A fresh virtual environment with the wheel and no backend at all answers
   `keras-mlpmix --help`, and refuses `keras-mlpmix presets` in one line
   that says what to install.

Run it through tox: `tox -e package`. It prints what it measured (sizes,
install and smoke-test times) and exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import email.parser
import os
import pathlib
import re
import shlex
import shutil
import socket
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
README = ROOT / "README.md"
# What a failed download says, ours or Keras's own (`keras.datasets`).
DOWNLOAD_FAILURE = re.compile(
    r"Could not download|Downloading .* failed|URL fetch failure|DownloadError"
)
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


def install(backend: str | None, wheel: pathlib.Path, scratch: pathlib.Path):
    """Creates a fresh venv with the wheel and `backend`'s extra installed.

    With `backend=None`, the wheel alone, with no Keras backend at all.
    Returns the venv's Python and the seconds it took.
    """
    start = time.perf_counter()
    venv = scratch / f"venv-{backend or 'none'}"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    extras = f"[{backend},plots]" if backend else ""
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        # Byte-compiling every module of TensorFlow, JAX or PyTorch would take
        # longer than importing the few the smoke test needs.
        "--no-compile",
        f"{wheel}{extras}",
        *PINS.get(backend, []),
        capture=True,
    )
    return python, time.perf_counter() - start


def _closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def first_contact_env(python: pathlib.Path, home: pathlib.Path) -> dict:
    """A user's environment: the venv on PATH, nothing set, no network."""
    home.mkdir(parents=True, exist_ok=True)
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KERAS_", "PYTHON", "VIRTUAL_ENV", "TF_", "XLA_"))
    }
    env.update(
        PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(home),
        https_proxy=proxy,
        http_proxy=proxy,
        HTTPS_PROXY=proxy,
        HTTP_PROXY=proxy,
        HF_HUB_OFFLINE="1",
    )
    for key in ("no_proxy", "NO_PROXY"):
        env.pop(key, None)
    return env


def readme_blocks(language: str) -> list[str]:
    """The fenced ```language blocks of README.md, in order."""
    text = README.read_text()
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.S | re.M)


def readme_commands() -> list[str]:
    """The README's shell commands, comments removed, installs and tox runs aside."""
    commands = []
    for block in readme_blocks("bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] not in ("pip", "tox"):
                commands.append(shlex.join(words))
    return commands


def _download_failure(result, command: bool = True) -> bool:
    """Whether a command (or a Python block) stopped on a download.

    A command must say so in its last line, without a traceback; TensorFlow
    writes start-up notes to stderr before its logging starts, whatever
    TF_CPP_MIN_LOG_LEVEL says, which are not the command's output. A Python
    block's traceback must end with the download's error.
    """
    lines = result.stderr.strip().splitlines()
    return (
        bool(lines)
        and not (command and "Traceback" in result.stderr)
        and bool(DOWNLOAD_FAILURE.search(lines[-1]))
    )


def first_contact(backend: str, python: pathlib.Path, scratch: pathlib.Path):
    """Runs README.md's commands and Python blocks as a new user would.

    Returns (seconds, the commands that failed only on a download).
    """
    workdir = scratch / f"first-contact-{backend}"
    workdir.mkdir()
    env = first_contact_env(python, scratch / f"home-{backend}")
    start = time.perf_counter()
    downloads = []
    for index, command in enumerate(readme_commands()):
        result = subprocess.run(
            command, shell=True, cwd=workdir, env=env, text=True, capture_output=True
        )
        output = result.stdout + result.stderr
        if index == 0 and backend != "tensorflow":
            # TensorFlow, Keras's default, is absent: the command says what it chose.
            expected = f"keras-mlpmix: using the {backend} backend"
            if not output.startswith(expected):
                raise PackageCheckError(
                    f"{backend}: `{command}` did not start with {expected!r}:\n"
                    f"{output[:2000]}"
                )
        if result.returncode == 0:
            continue
        if _download_failure(result) and result.stderr.strip().splitlines()[
            -1
        ].startswith("keras-mlpmix: error: "):
            downloads.append(command)
            continue
        raise PackageCheckError(
            f"{backend}: README command `{command}` failed with exit code "
            f"{result.returncode}:\n{output[-4000:]}"
        )
    for index, block in enumerate(readme_blocks("python")):
        script = workdir / f"readme_block_{index}.py"
        script.write_text(block)
        result = subprocess.run(
            [str(python), script.name], cwd=workdir, env=env, text=True,
            capture_output=True,
        )  # fmt: skip
        if result.returncode == 0:
            continue
        if _download_failure(result, command=False):
            downloads.append(f"README Python block {index + 1}")
            continue
        raise PackageCheckError(
            f"{backend}: README Python block {index + 1} failed:\n"
            f"{block}\n{result.stderr[-4000:]}"
        )
    return time.perf_counter() - start, downloads


def no_backend(wheel: pathlib.Path, scratch: pathlib.Path) -> float:
    """The command line in an environment with no Keras backend installed."""
    python, seconds = install(None, wheel, scratch)
    env = first_contact_env(python, scratch / "home-none")
    helped = subprocess.run(
        ["keras-mlpmix", "--help"], env=env, text=True, capture_output=True
    )
    if helped.returncode != 0 or "usage: keras-mlpmix" not in helped.stdout:
        raise PackageCheckError(
            f"`keras-mlpmix --help` without a backend failed:\n{helped.stderr}"
        )
    refused = subprocess.run(
        ["keras-mlpmix", "presets"], env=env, text=True, capture_output=True
    )
    lines = refused.stderr.strip().splitlines()
    if (
        refused.returncode != 1
        or len(lines) != 1
        or "pip install 'keras-mlpmix[jax]'" not in lines[0]
    ):
        raise PackageCheckError(
            "`keras-mlpmix presets` without a backend must fail in one line that "
            f"names what to install; it printed:\n{refused.stdout}{refused.stderr}"
        )
    return seconds


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
        contact, downloads = first_contact(backend, python, scratch)
        say(
            f"{backend}: fresh venv and install {installed:.1f} s, "
            f"smoke test {smoked:.1f} s, README's {len(readme_commands())} "
            f"commands and {len(readme_blocks('python'))} Python blocks "
            f"{contact:.1f} s with KERAS_BACKEND unset and no network"
            + (
                f" (failed only on a download: {'; '.join(downloads)})"
                if downloads
                else ""
            )
        )
    seconds = no_backend(wheel, scratch)
    say(
        f"no backend: install {seconds:.1f} s; `keras-mlpmix --help` works and "
        "`keras-mlpmix presets` names what to install"
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
