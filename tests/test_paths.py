"""Unix sockets go where their whole path fits: a deep TMPDIR (a parallel test worker's, a CI runner's) would
otherwise fail the kernels' and Chromium's start with "File name too long"."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

from compute_ledger import execute, paths


def test_sockets_stay_in_a_short_temporary_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert paths.socket_folder(20) == str(tmp_path)


def test_a_deep_temporary_folder_sends_sockets_to_tmp_and_they_bind_there(monkeypatch, tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    manager = execute.UnixSocketKernelManager()
    try:
        assert manager.ip.startswith("/tmp/" + execute.KERNEL_SOCKETS_PREFIX)
        # The longest name jupyter_client gives a kernel's socket ("<ip>-<port>") can be bound.
        with socket.socket(socket.AF_UNIX) as probe:
            probe.bind(f"{manager.ip}-65535")
    finally:
        execute._KERNEL_MANAGERS.remove(manager)
        Path(f"{manager.ip}-65535").unlink(missing_ok=True)
