"""Write files atomically: a temporary file in the same folder, then a rename.

A crash or an error half-way never leaves a half-written export, and the previous
file stays as it was until the new one is complete. :func:`write_set_atomic` does the same
for a set of files that belong together (what ``kg build`` writes): all of them are
written to a hidden staging folder first, and only then moved into place.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_text_atomic(d / "out.txt", ["a", "b"])
>>> (d / "out.txt").read_text()
'ab'
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

__all__ = ["write_text_atomic", "write_atomic", "write_folder_atomic", "write_set_atomic", "recover_set"]

#: the staging folder and the list of its files to move (the commit point), inside the folder
STAGE, JOURNAL = ".kg-staged", ".kg-staged.swap"


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


def write_set_atomic(folder: str | os.PathLike, fills: Mapping[str, Callable]) -> None:
    """Write the files ``{name: fill}`` into ``folder`` as one set: every ``fill(handle)``
    (a binary file) runs first, into ``folder/.kg-staged/``; only when all of them
    succeeded is the list of names written (``folder/.kg-staged.swap``, the commit point)
    and each file renamed into place. Files of ``folder`` not in ``fills`` are never
    touched.

    On an error (an exporter that raises, a full disk) the staged files are removed and
    ``folder`` is as it was. A process killed while moving the files leaves the list: the
    next call (or :func:`recover_set`) finishes the move before anything else, so the set
    is never left mixed for a second build to add to. Temporary files an earlier killed
    write left for these names (``.NAME.*.tmp``) are removed. Writers of one folder take
    turns (``flock`` on the folder).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "notes.txt").write_text("mine")
    4
    >>> write_set_atomic(d, {"a.txt": lambda h: h.write(b"A"), "b.txt": lambda h: h.write(b"B")})
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt', 'b.txt', 'notes.txt']
    >>> write_set_atomic(d, {"a.txt": lambda h: h.write(b"new"), "b.txt": lambda h: 1 / 0})
    Traceback (most recent call last):
    ...
    ZeroDivisionError: division by zero
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('A', ['a.txt', 'b.txt', 'notes.txt'])
    """
    folder = Path(folder)
    for name in fills:
        if Path(name).name != name or name.startswith(".") or name in ("", "..", "."):
            raise ValueError(f"not a plain file name: {name!r}")
    folder.mkdir(parents=True, exist_ok=True)
    lock = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        recover_set(folder, names=fills)
        stage = folder / STAGE
        stage.mkdir()
        try:
            for name, fill in fills.items():
                write_atomic(stage / name, fill)
            _fsync_dir(stage)
            write_text_atomic(folder / JOURNAL, ["".join(f"{name}\n" for name in fills)])
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        _fsync_dir(folder)
        _move_staged(folder)
    finally:
        os.close(lock)


def recover_set(folder: str | os.PathLike, names: Iterable[str] = ()) -> None:
    """Finish or undo what an interrupted :func:`write_set_atomic` left in ``folder``: with
    its list of names, move the staged files still there into place; without it (killed
    while staging), remove the staged files. Then remove the temporary files
    (``.NAME.XXXXXXXX.tmp``) that a killed :func:`write_atomic` left for ``names``."""
    folder = Path(folder)
    if (folder / JOURNAL).exists():
        _move_staged(folder)
    elif (folder / STAGE).exists():
        shutil.rmtree(folder / STAGE, ignore_errors=True)
    ours = {str(n) for n in names}
    if not ours or not folder.is_dir():
        return
    stale = re.compile(r"\.(" + "|".join(re.escape(n) for n in sorted(ours)) + r")\.[A-Za-z0-9_]{8}\.tmp")
    for entry in folder.iterdir():
        if stale.fullmatch(entry.name):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _move_staged(folder: Path) -> None:
    stage = folder / STAGE
    names = (folder / JOURNAL).read_text(encoding="utf-8").split()
    for name in names:
        if Path(name).name == name and not name.startswith(".") and (stage / name).exists():
            os.replace(stage / name, folder / name)
    _fsync_dir(folder)
    (folder / JOURNAL).unlink()
    shutil.rmtree(stage, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
