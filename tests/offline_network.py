"""Simulating a machine without network, without touching the network."""

import socket
import urllib.request

import keras


def _closed_local_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def cut_network(monkeypatch, keras_home):
    """Sends every download to a closed port on this machine, with an empty Keras home.

    Downloads then fail as they do offline (connection refused), and no
    file cached by an earlier download is found.
    """
    proxy = f"http://127.0.0.1:{_closed_local_port()}"
    for variable in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(variable, proxy)
    for variable in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    # urllib keeps the opener (and its proxies) of its first download.
    monkeypatch.setattr(urllib.request, "_opener", None)
    monkeypatch.setattr(keras.src.backend.config, "_KERAS_DIR", str(keras_home))
