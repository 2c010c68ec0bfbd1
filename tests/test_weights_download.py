"""Downloading checkpoints: once, verified, and never keeping a bad file."""

import hashlib
import http.server
import threading

import numpy as np
import pytest

from checkpoint_layouts import Sizes, timm_mixer, write
from keras_mlpmix.weights import checkpoint_files


@pytest.fixture
def checkpoint_bytes(tmp_path):
    path = write(
        tmp_path / "source.safetensors",
        timm_mixer(Sizes(), np.random.default_rng(0)),
        "safetensors",
    )
    return path.read_bytes()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home" / "keras_mlpmix" / "checkpoints"


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 serving `files[path] = (body, announced length)`."""
    files, requests = {}, []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body, length = files[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield url, files, requests
    httpd.shutdown()
    httpd.server_close()


def test_a_verified_file_is_downloaded_once(server, cache, checkpoint_bytes):
    url, files, requests = server
    files["/model.safetensors"] = (checkpoint_bytes, len(checkpoint_bytes))
    sha256 = hashlib.sha256(checkpoint_bytes).hexdigest()
    for _ in range(2):
        path = checkpoint_files.fetch(
            f"{url}/model.safetensors",
            "m.safetensors",
            format="safetensors",
            sha256=sha256,
        )
        with open(path, "rb") as file:
            assert file.read() == checkpoint_bytes
    assert requests == ["/model.safetensors"]
    assert path == str(cache / "m.safetensors")


def test_a_hash_mismatch_is_an_error_and_the_file_is_deleted(
    server, cache, checkpoint_bytes
):
    url, files, _ = server
    files["/model.safetensors"] = (checkpoint_bytes, len(checkpoint_bytes))
    with pytest.raises(
        ValueError,
        match=r"not the published checkpoint: its SHA-256 is [0-9a-f]{64}, not the "
        r"published 0{64}\. It was deleted",
    ):
        checkpoint_files.fetch(
            f"{url}/model.safetensors",
            "m.safetensors",
            format="safetensors",
            sha256="0" * 64,
        )
    assert list(cache.iterdir()) == []


def test_a_transfer_cut_short_keeps_nothing(server, cache, checkpoint_bytes):
    url, files, _ = server
    files["/model.safetensors"] = (checkpoint_bytes[:500], len(checkpoint_bytes))
    with pytest.raises(OSError, match=r"Downloading .* failed: .*500 out of"):
        checkpoint_files.fetch(
            f"{url}/model.safetensors", "m.safetensors", format="safetensors"
        )
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize("format", ["npz", "safetensors"])
def test_a_truncated_file_without_a_known_hash_is_caught_and_deleted(
    server, cache, tmp_path, format
):
    url, files, _ = server
    path = write(
        tmp_path / f"source.{format}",
        timm_mixer(Sizes(), np.random.default_rng(0)),
        format,
    )
    truncated = path.read_bytes()[:-64]
    files[f"/model.{format}"] = (truncated, len(truncated))
    with pytest.raises(ValueError, match=r"truncated.*It was deleted"):
        checkpoint_files.fetch(f"{url}/model.{format}", f"m.{format}", format=format)
    assert list(cache.iterdir()) == []


def test_file_urls_are_fetched_like_http_ones(tmp_path, cache, checkpoint_bytes):
    source = tmp_path / "published.safetensors"
    source.write_bytes(checkpoint_bytes)
    path = checkpoint_files.fetch(
        source.as_uri(), "m.safetensors", format="safetensors"
    )
    assert path == str(cache / "m.safetensors")
    assert (
        checkpoint_files.sha256_of(path) == hashlib.sha256(checkpoint_bytes).hexdigest()
    )
