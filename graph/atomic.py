"""Write files atomically: a temporary file in the same folder, then a rename.

A crash or an error half-way never leaves a half-written export, and the previous
file stays as it was until the new one is complete.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_text_atomic(d / "out.txt", ["a", "b"])
>>> (d / "out.txt").read_text()
'ab'
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["write_text_atomic", "write_atomic", "write_folder_atomic"]


def write_text_atomic(path: str | os.PathLike, chunks: Iterable[str]) -> None:
    """Write the concatenation of ``chunks`` to ``path`` (UTF-8) atomically."""

    def fill(handle) -> None:
        for chunk in chunks:
            handle.write(chunk)

    write_atomic(path, fill, binary=False)


def write_atomic(path: str | os.PathLike, fill, *, binary: bool = True) -> None:
    """Call ``fill(handle)`` on a temporary file beside ``path``, then rename it over ``path``.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, **mode) as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_folder_atomic(path: str | os.PathLike, files: Mapping[str, Iterable[str]]) -> None:
    """Write a folder of files (``{name: chunks}``) so that ``path`` is never half-written.

    The files go to a temporary folder beside ``path``, which then replaces ``path`` by a
    rename (the previous folder, if any, is renamed away first and removed after).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    old = None
    try:
        for name in sorted(files):
            if Path(name).name != name or name.startswith("."):
                raise ValueError(f"not a plain file name: {name!r}")
            write_text_atomic(tmp / name, files[name])
        os.chmod(tmp, 0o755)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not path.exists() and (old / path.name).exists():
            os.replace(old / path.name, path)  # put the previous folder back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
