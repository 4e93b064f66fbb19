"""The validity of the dated facts, kept beside a store generation for ``--as-of``.

``kg query --as-of DAY`` (:class:`graph.store.readback.AsOf`) checks every term a query
names against the facts that do not hold on the day. On an Oxigraph store on disk that
check reads ``kg-as-of/``: a checkpoint of the store (hard links to its files: no second
copy of the data) with one triple more for each dated fact and each of its own resources
(citations, amounts), in :data:`graph.timeline.VALIDITY_GRAPH`::

    <…/fact/x> <urn:kg:as-of:from> "2021-03-01"^^<urn:kg:as-of:day> .
    <…/fact/x> <urn:kg:as-of:until> "2022-02-28"^^<urn:kg:as-of:day> .

the first and last day it holds (an open end: no triple) (:func:`graph.timeline.validity`, computed in Python by
:func:`graph.timeline.interval`, the same as :func:`graph.timeline.filter_dataset`), and ``kg-days.json``: the distinct days
those triples name (a query as of a day looks up the terms of each day before or after it:
index look-ups, no string compared). Made
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

import datetime as dt
from pathlib import Path

__all__ = ["validity_checkpoint", "days", "ASOF_DIR"]

#: the folder, inside a store's folder, of its checkpoint with the validity graph
ASOF_DIR = "kg-as-of"
#: the version of what the checkpoint holds (a change remakes it)
VERSION = "as-of-validity-2"


def _key(store) -> str:
    from graph.store.oxigraph import Kept

    return Kept(Path(store.path)).key(VERSION)


def days(path: Path) -> dict:
    """The distinct first and last days of the checkpoint at ``path`` (``{"from": [...],
    "until": [...]}``)."""
    import json

    return json.loads((Path(path) / "kg-days.json").read_text(encoding="utf-8"))


def validity_checkpoint(store, progress=None) -> Path:
    """The folder of ``store``'s checkpoint with its validity graph (``store``: an on-disk
    :class:`~graph.store.oxigraph.OxigraphStore`, a generation or a checkpoint of one), made
    if it is not there or was made from other files. Raises OSError if the folder cannot be
    written."""
    import json

    from graph.store.checkpoint import checkpoint
    from graph.timeline import DAY, FROM, UNTIL, VALIDITY_GRAPH, validity

    def fill(loader, tmp: Path) -> None:
        spans = validity(store)
        first, last = dt.date.min.isoformat(), dt.date.max.isoformat()
        rows = sorted((iri, pred, day) for iri, (a, b) in spans.items()
                      for pred, day, open_end in ((FROM, a, first), (UNTIL, b, last)) if day != open_end)
        for i in range(0, len(rows), 10_000):
            loader.write("".join(f'<{iri}> <{pred}> "{day}"^^<{DAY}> <{VALIDITY_GRAPH}> .\n'
                                 for iri, pred, day in rows[i:i + 10_000]).encode("utf-8"))
        (tmp / "kg-days.json").write_text(json.dumps({
            "from": sorted({d for _i, p, d in rows if p == FROM}),
            "until": sorted({d for _i, p, d in rows if p == UNTIL})}) + "\n", encoding="utf-8")

    return checkpoint(store, ASOF_DIR, _key(store), fill, progress,
                      f"computing when the facts of {store.spec} hold (once for this content)")
