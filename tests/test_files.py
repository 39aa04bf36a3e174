"""Atomic writes: the old file or the new one, never part of either, with ordinary permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.files import write_atomic


def test_a_new_file_gets_the_permissions_of_a_plain_open(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.json", b"{}")
        with open(tmp_path / "b.json", "wb") as fh:
            fh.write(b"{}")
    finally:
        os.umask(old)
    mode = (tmp_path / "a.json").stat().st_mode & 0o777
    assert mode == (tmp_path / "b.json").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600


def test_a_rewritten_file_keeps_its_permissions_and_takes_the_new_bytes(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
