"""The keras-mlpmix command line, run in-process through `main(argv)`.

One small training run per backend is shared by the tests that need a
trained model; two subprocess tests cover the console script and, where
Keras's numpy backend can start, the `--backend` restart through
`python -m keras_mlpmix`.
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_mlpmix import backend_choice, datasets
from keras_mlpmix.backend_choice import BACKENDS
from keras_mlpmix.cli import main, work
from keras_mlpmix.cli.commands import convert as convert_command
from keras_mlpmix.cli.commands import train as train_command
from keras_mlpmix.cli.main import build_parser
from keras_mlpmix.cli.options import DATASET_NAMES
from keras_mlpmix.models import ImageClassifier
from keras_mlpmix.models.presets import PRESETS
from keras_mlpmix.training import Recipe
from keras_mlpmix.weights.checkpoint_files import FORMATS
from offline_network import cut_network

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OUTPUT_FILES = (
    "model.keras",
    "history.json",
    "history.csv",
    "summary.json",
    "curves.png",
    "predictions.png",
)
# A run of seconds: few images, two epochs, 16 patches per image.
TINY_TRAINING = [
    "--preset", "mixer_cifar100", "--dataset", "shapes", "--epochs", "2",
    "--batch-size", "32", "--train-images", "80", "--test-images", "24",
    "--image-size", "32",
]  # fmt: skip


def run_cli(argv):
    """Runs `main(argv)`; returns (exit status, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
    return status, stdout.getvalue(), stderr.getvalue()


def png_size(path):
    """(width, height) of a PNG file, read from its header."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A finished tiny training run: its folder and its printed output."""
    output = tmp_path_factory.mktemp("run") / "mixer-shapes"
    keras.utils.set_random_seed(0)
    status, stdout, stderr = run_cli(["train", *TINY_TRAINING, "--output", str(output)])
    assert status == 0, stderr
    return output, stdout


# Parsing and help.


def _subparsers():
    parser = build_parser()
    (action,) = [
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ]
    return action.choices


def test_subcommands_are_found_and_parse_their_defaults():
    assert {"train", "evaluate", "presets"} <= set(_subparsers())
    args = build_parser().parse_args(
        ["train", "--preset", "gmlp_cifar100", "--dataset", "shapes"]
    )
    assert (args.preset, args.dataset, args.epochs, args.batch_size) == (
        "gmlp_cifar100", "shapes", 50, 128
    )  # fmt: skip
    assert args.learning_rate is None and args.weight_decay is None
    assert args.output is None and not args.overwrite and args.backend is None


def test_every_option_of_every_subcommand_is_described_with_its_default():
    for name, subparser in _subparsers().items():
        assert subparser.description, name
        for action in subparser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            text = action.help or ""
            assert "default" in text or "required" in text, (name, action.dest)
        assert "--backend" in subparser.format_help()


def test_help_exits_cleanly_and_shows_the_recipe():
    status, stdout, _ = run_cli(["train", "--help"])
    assert status == 0
    assert "AdamW" in stdout and "1e-4 / learning rate" in stdout
    assert "--weight-decay" in stdout and "--overwrite" in stdout


def test_presets_prints_the_table_with_computed_counts():
    status, stdout, _ = run_cli(["presets"])
    assert status == 0
    lines = stdout.splitlines()
    assert lines[0].split()[:4] == ["name", "family", "image", "params"]
    assert [line.split()[0] for line in lines[1 : 1 + len(PRESETS)]] == list(PRESETS)
    assert "432,350,952 (1000)" in lines[1 + list(PRESETS).index("mixer_h14_224")]


def test_the_parser_constants_match_the_library():
    # The parser imports no Keras, so it keeps its own copies of these.
    assert DATASET_NAMES == datasets.DATASET_NAMES
    assert convert_command.FORMATS == FORMATS
    assert Recipe().epochs == train_command.DEFAULT_EPOCHS
    assert Recipe().batch_size == train_command.DEFAULT_BATCH_SIZE
    for preset, family in (
        ("mixer_cifar100", "MLP-Mixer"),
        ("fnet_cifar100", "FNet"),
        ("gmlp_cifar100", "gMLP"),
        ("resmlp_cifar100", "ResMLP"),
    ):
        rate = Recipe.for_preset(preset).learning_rate
        assert f"{rate} for {family}" in train_command.LEARNING_RATES or (
            family == "ResMLP"
            and f"{rate} for gMLP and ResMLP" in train_command.LEARNING_RATES
        ), family


# One line on stderr, a non-zero status, and a previous run left intact.


@pytest.fixture
def previous_run(tmp_path):
    folder = tmp_path / "previous"
    folder.mkdir()
    for name in OUTPUT_FILES:
        (folder / name).write_bytes(f"saved {name}".encode())
    return folder


def assert_one_line_error(status, stderr, *fragments):
    assert status not in (0, None)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert re.match(r"keras-mlpmix( \w+)?: error: ", lines[0]), lines[0]
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    "changes, fragments",
    [
        ({"--preset": "mixer_xxl"}, ["Unknown preset 'mixer_xxl'", "mixer_cifar100"]),
        ({"--dataset": "imagenet"}, ["Unknown dataset 'imagenet'", "shapes"]),
        ({"--dataset": "no/such/folder"}, ["Unknown dataset 'no/such/folder'"]),
        ({"--preset": "no/such/preset"}, ["Unknown preset 'no/such/preset'"]),
        ({"--seed": "-1"}, ["--seed", "integer >= 0"]),
        ({"--image-size": "36"}, ["multiple of the patch size", "32 or 40"]),
        ({"--epochs": "0"}, ["--epochs", "positive integer"]),
        ({"--backend": "theano"}, ["--backend", "invalid choice"]),
    ],
)
def test_bad_training_input_is_one_line_and_destroys_nothing(
    changes, fragments, previous_run
):
    argv = ["train", *TINY_TRAINING, "--output", str(previous_run), "--overwrite"]
    for option, value in changes.items():
        if option in argv:
            argv[argv.index(option) + 1] = value
        else:
            argv += [option, value]
    before = snapshot(previous_run)
    status, _, stderr = run_cli(argv)
    assert_one_line_error(status, stderr, *fragments)
    assert snapshot(previous_run) == before


def test_no_network_is_one_line_that_says_what_to_do(
    previous_run, tmp_path, monkeypatch
):
    cut_network(monkeypatch, keras_home=tmp_path / "keras_home")
    before = snapshot(previous_run)
    status, _, stderr = run_cli(
        ["train", "--preset", "mixer_cifar100", "--dataset", "cifar100",
         "--output", str(previous_run), "--overwrite"]
    )  # fmt: skip
    assert_one_line_error(status, stderr, "Could not download cifar100", "shapes")
    assert snapshot(previous_run) == before


@pytest.mark.parametrize(
    "content, fragments",
    [
        (None, ["No model file or preset folder at"]),
        (b"not a zip archive", ["Could not load a Keras model from", ".keras file"]),
    ],
)
def test_missing_or_corrupted_model_is_one_line(content, fragments, tmp_path):
    path = tmp_path / "model.keras"
    if content is not None:
        path.write_bytes(content)
    status, _, stderr = run_cli(
        ["evaluate", "--model", str(path), "--dataset", "shapes"]
    )
    assert_one_line_error(status, stderr, *fragments)
    if content is not None:
        assert path.read_bytes() == content


def test_a_backend_that_is_not_installed_is_one_line(monkeypatch):
    other = next(b for b in BACKENDS if b != keras.backend.backend())
    monkeypatch.setattr(backend_choice.importlib.util, "find_spec", lambda name: None)
    status, _, stderr = run_cli(["presets", "--backend", other])
    assert_one_line_error(status, stderr, f"pip install 'keras-mlpmix[{other}]'")


def test_another_backend_restarts_the_command_with_keras_backend_set(monkeypatch):
    other = next(b for b in BACKENDS if b != keras.backend.backend())
    calls = []

    def execve(path, args, environment):
        calls.append((path, args, environment["KERAS_BACKEND"]))
        raise SystemExit(0)

    monkeypatch.setattr(
        backend_choice.importlib.util, "find_spec", lambda name: object()
    )
    monkeypatch.setattr(os, "execve", execve)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    argv = ["presets", "--backend", other]
    assert run_cli(argv)[0] == 0
    assert calls == [
        (sys.executable, [sys.executable, "-m", "keras_mlpmix", *argv], other)
    ]
    # The same backend runs in place; a restart that did not take is refused.
    calls.clear()
    assert run_cli(["presets", "--backend", keras.backend.backend()])[0] == 0
    monkeypatch.setenv("KERAS_BACKEND", other)
    status, _, stderr = run_cli(argv)
    assert_one_line_error(status, stderr, f"KERAS_BACKEND is {other}")
    assert calls == []


# A real, tiny training run and what it leaves behind.


def test_training_writes_every_output_and_reports_test_accuracy(trained_run):
    output, stdout = trained_run
    assert sorted(p.name for p in output.iterdir()) == sorted(OUTPUT_FILES)
    assert "Test accuracy of the best model" in stdout
    summary = json.loads((output / "summary.json").read_text())
    assert summary["test_images"] == 24 and summary["num_classes"] == 32
    assert summary["backend"] == keras.backend.backend()
    assert f"top-1 {summary['test_top1_accuracy']:.1%}" in stdout
    assert f"top-5 {summary['test_top5_accuracy']:.1%}" in stdout
    assert summary["test_top1_accuracy"] <= summary["test_top5_accuracy"]

    history = json.loads((output / "history.json").read_text())
    assert history["epoch"] == [1, 2]
    assert {"loss", "accuracy", "top5_accuracy", "val_loss", "val_accuracy"} <= set(
        history
    )
    rows = (output / "history.csv").read_text().splitlines()
    assert rows[0].split(",")[:3] == ["epoch", *list(history)[1:3]]
    assert len(rows) == 3

    for name, min_width in (("curves.png", 800), ("predictions.png", 600)):
        width, height = png_size(output / name)
        assert width >= min_width and height >= 300, name
        assert (output / name).stat().st_size > 20_000

    model = keras.saving.load_model(output / "model.keras")
    assert isinstance(model, ImageClassifier)
    assert not any("augmentation" in layer.name for layer in model.layers)
    assert model.backbone.image_size == (32, 32)
    assert model.preprocessor is not None  # takes raw images of any size


def test_evaluate_reproduces_the_test_accuracy_of_training(trained_run):
    output, _ = trained_run
    summary = json.loads((output / "summary.json").read_text())
    status, stdout, stderr = run_cli(
        ["evaluate", "--model", str(output / "model.keras"), "--dataset", "shapes",
         "--test-images", "24"]
    )  # fmt: skip
    assert status == 0, stderr
    assert f"top-1 accuracy {summary['test_top1_accuracy']:.1%}" in stdout
    assert f"top-5 {summary['test_top5_accuracy']:.1%}" in stdout
    assert "Per-class accuracy (worst first" in stdout
    assert "Most confused" in stdout or "No test image was misclassified" in stdout


def test_evaluate_finds_the_run_that_train_wrote_for_this_backend(
    trained_run, tmp_path, monkeypatch
):
    output, _ = trained_run
    backend = keras.backend.backend()
    run = tmp_path / "runs" / f"mixer_cifar100-shapes-{backend}"
    run.mkdir(parents=True)
    (run / "model.keras").write_bytes((output / "model.keras").read_bytes())
    monkeypatch.chdir(tmp_path)
    argv = ["evaluate", "--preset", "mixer_cifar100", "--dataset", "shapes"]
    status, stdout, stderr = run_cli([*argv, "--test-images", "24"])
    assert status == 0, stderr
    assert (
        f"runs/mixer_cifar100-shapes-{backend}/model.keras on 24 test images" in stdout
    )
    status, _, stderr = run_cli(
        ["evaluate", "--preset", "gmlp_cifar100", "--dataset", "shapes"]
    )
    assert_one_line_error(
        status,
        stderr,
        f"No model of gmlp_cifar100 trained on shapes with the {backend}",
    )


def test_a_previous_run_is_kept_unless_overwrite(trained_run):
    output, _ = trained_run
    before = snapshot(output)
    status, _, stderr = run_cli(["train", *TINY_TRAINING, "--output", str(output)])
    assert_one_line_error(status, stderr, "already holds a previous run", "--overwrite")
    assert snapshot(output) == before


def test_without_matplotlib_figures_are_skipped_with_one_line(
    trained_run, tmp_path, monkeypatch, capsys
):
    output, _ = trained_run
    history = json.loads((output / "history.json").read_text())
    images = np.zeros((4, 32, 32, 3), "uint8")
    labels = np.arange(4)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    work.save_run_figures(tmp_path, history, images, labels, labels, "abcd", "t")
    assert capsys.readouterr().out.splitlines() == [
        "Figures skipped: matplotlib is not installed (pip install "
        "'keras-mlpmix[plots]' to get curves.png and predictions.png)."
    ]
    assert not list(tmp_path.iterdir())


def _run(command, keras_backend):
    environment = {**os.environ, "KERAS_BACKEND": keras_backend}
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_console_script_runs_a_command():
    backend = keras.backend.backend()
    script = pathlib.Path(sys.executable).with_name("keras-mlpmix")
    result = _run([str(script), "presets"], keras_backend=backend)
    assert result.returncode == 0, result.stderr
    assert "mixer_b16_224" in result.stdout
    assert f"on the {backend} backend" in result.stdout


@pytest.mark.skipif(
    not all(importlib.util.find_spec(name) for name in ("jax", "scipy")),
    reason="starts from Keras's numpy backend, which needs jax and scipy",
)
def test_backend_option_restarts_the_command_on_that_backend():
    # Keras starts on its numpy backend; --backend must restart the command
    # (through `python -m keras_mlpmix`) on the backend under test.
    backend = keras.backend.backend()
    command = [sys.executable, "-m", "keras_mlpmix", "presets", "--backend", backend]
    result = _run(command, keras_backend="numpy")
    assert result.returncode == 0, result.stderr
    assert f"on the {backend} backend" in result.stdout


# convert and bench.


def _stand_in_checkpoints(monkeypatch, tmp_path):
    from offline_stand_ins import stand_in_pretrained_presets

    folder = tmp_path / "checkpoints"
    stand_in_pretrained_presets(monkeypatch, folder)
    return folder


@pytest.mark.parametrize(
    "preset, suffix",
    [
        ("mixer_b16_224.official_in1k", ".weights.h5"),
        ("gmlp_s16_224.ra3_in1k", ".keras"),
        ("resmlp_12_224.fb_in1k", ""),
    ],
    ids=["weights", "keras", "preset-folder"],
)
def test_convert_writes_a_file_that_gives_the_checkpoints_outputs(
    preset, suffix, monkeypatch, tmp_path
):
    from keras_mlpmix.weights import load_checkpoint

    folder = _stand_in_checkpoints(monkeypatch, tmp_path)
    source = next(folder.glob(f"{preset}.*"))
    output = tmp_path / f"converted{suffix}"
    status, stdout, stderr = run_cli(
        ["convert", str(source), "--preset", preset, "--output", str(output)]
    )
    assert status == 0, stderr
    assert f"Wrote {'the preset folder ' if not suffix else ''}{output}" in stdout
    reference = ImageClassifier.from_preset(preset, weights=False)
    load_checkpoint(reference, source)
    if suffix == ".keras":
        converted = keras.saving.load_model(output)
    elif suffix:
        converted = ImageClassifier.from_preset(preset, weights=output)
    else:
        converted = ImageClassifier.from_preset(str(output))
    images = np.random.default_rng(0).random((2, 224, 224, 3), "float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(converted(images)),
        keras.ops.convert_to_numpy(reference(images)),
        rtol=1e-6,
        atol=1e-6,
    )


def test_convert_refuses_bad_input_in_one_line_and_keeps_existing_files(
    monkeypatch, tmp_path
):
    folder = _stand_in_checkpoints(monkeypatch, tmp_path)
    gmlp = next(folder.glob("gmlp_s16_224.ra3_in1k.*"))
    existing = tmp_path / "existing.weights.h5"
    existing.write_bytes(b"an earlier conversion")
    missing_output = tmp_path / "new.weights.h5"
    cases = [
        (["convert", str(gmlp), "--preset", "gmlp_s16_224.ra3_in1k",
          "--output", str(existing)], r"exists; pass --overwrite"),
        (["convert", str(tmp_path / "nothing.npz"), "--preset", "mixer_b16_224",
          "--output", str(missing_output)], r"No checkpoint file at"),
        (["convert", str(gmlp), "--preset", "mixer_b16_224.goog_in21k",
          "--output", str(missing_output)], r"does not fit .*Nothing was loaded"),
        (["convert", str(gmlp), "--preset", "no_such_preset",
          "--output", str(missing_output)], r"Unknown preset 'no_such_preset'"),
    ]  # fmt: skip
    for argv, message in cases:
        status, _, stderr = run_cli(argv)
        assert status == 1, argv
        assert len(stderr.strip().splitlines()) == 1, stderr
        assert re.search(message, stderr), stderr
    assert existing.read_bytes() == b"an earlier conversion"
    assert not missing_output.exists()


def test_bench_shows_progress_prints_its_table_and_writes_json(tmp_path):
    path = tmp_path / "bench.json"
    status, stdout, stderr = run_cli(
        ["bench", "--preset", "fnet_cifar100", "--batch-sizes", "2",
         "--train-batch-size", "2", "--warmup", "0", "--repeats", "1",
         "--json", str(path)]
    )  # fmt: skip
    assert status == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == "Building fnet_cifar100 (float32, fresh weights)..."
    assert "Timing inference at batch 2 (the first call compiles)..." in lines
    assert f"fnet_cifar100 on {keras.backend.backend()} (" in stdout
    result = json.loads(path.read_text())
    assert [m["task"] for m in result["measurements"]] == ["inference", "train_step"]
    assert result["device"] and result["backend"] == keras.backend.backend()
    assert all(m["images_per_s"] > 0 for m in result["measurements"])


def test_an_unexpected_error_keeps_its_traceback_and_says_where_to_report_it(
    monkeypatch,
):
    def broken(args):
        raise RuntimeError("an internal inconsistency")

    monkeypatch.setattr(work, "presets", broken)
    status, _, stderr = run_cli(["presets"])
    assert status == 1
    assert "Traceback (most recent call last)" in stderr
    assert "RuntimeError: an internal inconsistency" in stderr
    assert "this is a bug in keras-mlpmix" in stderr
    assert "github.com/keras-mlpmix/keras-mlpmix/issues" in stderr


@pytest.mark.parametrize("command", ["--help", "train --help", "evaluate --help",
                                     "convert --help", "bench --help", "presets --help"])  # fmt: skip
def test_help_imports_no_keras(command):
    # As in a fresh environment with no backend: importing Keras would fail.
    code = (
        "import sys; sys.modules['keras'] = None\n"
        "from keras_mlpmix.cli import main\n"
        f"sys.exit(main({command.split()!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "usage: keras-mlpmix" in result.stdout


def test_bench_reports_an_unknown_preset_in_one_line():
    status, _, stderr = run_cli(["bench", "--preset", "mixer_b99"])
    assert status == 1
    assert stderr.strip().splitlines() == [stderr.strip()]
    assert "Unknown preset 'mixer_b99'" in stderr
