"""A checkpoint of an on-disk Oxigraph store with a graph added, made once, atomically.

``kg query --reason rdfs`` (:mod:`graph.store.reasoning`) and ``--as-of``
(:mod:`graph.store.asof`) each keep, beside a store, an Oxigraph checkpoint of it (hard
links to its files: no second copy of the data) with triples of their own added. Both are
made the same way: under a lock in the store's folder, in a temporary folder renamed when
complete and marked by a ``kg-complete`` file holding a key (a command killed half-way
leaves a temporary folder the next one removes; a key that no longer matches the store's
content makes it again).

Example
-------
>>> import tempfile
>>> from graph.store.oxigraph import OxigraphStore
>>> store = OxigraphStore(tempfile.mkdtemp())
>>> def fill(loader, folder):
...     loader.write(b'<https://e.org/a> <https://e.org/p> "x" <https://e.org/g> .\\n')
>>> made = checkpoint(store, "kg-example", "v1", fill)
>>> (made / "kg-complete").read_text(), checkpoint(store, "kg-example", "v1", fill) == made
('v1', True)
>>> store.close()
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

__all__ = ["checkpoint"]


def checkpoint(store, name: str, key: str, fill: Callable, progress: Callable | None = None,
               message: str = "") -> Path:
    """The folder ``name`` beside ``store`` (an on-disk OxigraphStore): a checkpoint of it
    that ``fill(loader, folder)`` added to through a bulk loader, made if its
    ``kg-complete`` file does not hold ``key``. ``message`` is shown by ``progress`` while
    it is made. Raises OSError if the folder cannot be written."""
    from graph.store.oxigraph import GraphLoader, OxigraphStore

    folder = Path(store.path)
    final = folder / name

    def done() -> bool:
        try:
            return (final / "kg-complete").read_text(encoding="utf-8") == key
        except OSError:
            return False

    if done():
        return final
    with open(folder / f"{name}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done():
            return final
        for stale in folder.glob(name + "*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
        if progress and message:
            progress(message)
        tmp = folder / f"{name}.tmp-{os.getpid()}"
        store.oxigraph.backup(str(tmp))  # a checkpoint: hard links to the same files
        with contextlib.closing(OxigraphStore(tmp)) as out:
            loader = GraphLoader(out.oxigraph)
            try:
                fill(loader, tmp)
            except BaseException:
                loader.abort()
                raise
            loader.close()
        (tmp / "kg-complete").write_text(key, encoding="utf-8")
        os.replace(tmp, final)
        if progress and message:
            progress(None)
    return final
