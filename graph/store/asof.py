"""The validity of the dated facts, kept beside a store generation for ``--as-of``.

``kg query --as-of DAY`` (:class:`graph.store.readback.AsOf`) checks every term a query
names against the facts that do not hold on the day. On an Oxigraph store on disk that
check reads ``kg-as-of/``: a checkpoint of the store (hard links to its files: no second
copy of the data) with one triple more for each dated fact and each of its own resources
(citations, amounts), in :data:`graph.timeline.VALIDITY_GRAPH`::

    <…/fact/x> <urn:kg:as-of:valid> "2021-03-01/2022-02-28"^^<urn:kg:as-of:interval>

the first and last day it holds (:func:`graph.timeline.validity`, computed in Python by
:func:`graph.timeline.interval`, the same as :func:`graph.timeline.filter_dataset`). Made
once for the store's content, the first time a query asks for it, under a lock, in a
temporary folder renamed when complete; remade when the store's files change. A query
without ``--as-of`` reads the store itself, where that graph is not.

Example
-------
>>> from graph.store import open_store
>>> from graph.store.oxigraph import OxigraphStore
>>> with open_store(data_dir="data") as store:
...     path = validity_checkpoint(store)
>>> path.name
'kg-as-of'
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path

__all__ = ["validity_checkpoint", "ASOF_DIR"]

#: the folder, inside a store's folder, of its checkpoint with the validity graph
ASOF_DIR = "kg-as-of"
#: the version of what the checkpoint holds (a change remakes it)
VERSION = "as-of-validity-1"


def _key(store) -> str:
    from graph.store.oxigraph import Kept

    return Kept(Path(store.path)).key(VERSION)


def validity_checkpoint(store, progress=None) -> Path:
    """The folder of ``store``'s checkpoint with its validity graph (``store``: an on-disk
    :class:`~graph.store.oxigraph.OxigraphStore`, a generation or a checkpoint of one), made
    if it is not there or was made from other files. Raises OSError if the folder cannot be
    written."""
    from graph.store.oxigraph import GraphLoader, OxigraphStore
    from graph.timeline import INTERVAL, VALID, VALIDITY_GRAPH, validity

    folder = Path(store.path)
    final, key = folder / ASOF_DIR, _key(store)

    def done() -> bool:
        try:
            return (final / "kg-complete").read_text(encoding="utf-8") == key
        except OSError:
            return False

    if done():
        return final
    with open(folder / "kg-as-of.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done():
            return final
        for stale in folder.glob(ASOF_DIR + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        if progress:
            progress(f"computing when the facts of {store.spec} hold (once for this content)")
        spans = validity(store)
        tmp = folder / f"{ASOF_DIR}.tmp-{os.getpid()}"
        store.oxigraph.backup(str(tmp))  # a checkpoint: hard links to the same files
        with contextlib.closing(OxigraphStore(tmp)) as out:
            loader = GraphLoader(out.oxigraph)
            tail = f' <{VALID}> "%s/%s"^^<{INTERVAL}> <{VALIDITY_GRAPH}> .\n'
            try:
                items = sorted(spans.items())
                for i in range(0, len(items), 10_000):
                    loader.write("".join(f"<{iri}>" + tail % span for iri, span in items[i:i + 10_000])
                                 .encode("utf-8"))
            except BaseException:
                loader.abort()
                raise
            loader.close()
        (tmp / "kg-complete").write_text(key, encoding="utf-8")
        os.replace(tmp, final)
        if progress:
            progress(None)
    return final
