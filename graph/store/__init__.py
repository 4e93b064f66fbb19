"""Where the graph lives: in memory, in an Oxigraph store on disk, or behind a SPARQL endpoint.

Every command that reads the graph takes ``--store SPEC`` (or the ``KG_STORE`` variable):

- ``memory`` (the default): the graph is built from ``--data`` in memory (rdflib) by each
  command, as it always was. Right for the curated facts and small imports.
- ``oxigraph:PATH``: an Oxigraph store on disk (pyoxigraph), persistent between commands;
  ``kg import ... --store oxigraph:PATH`` streams the imported records into it through the
  bulk loader. See :mod:`graph.store.oxigraph`.
- ``sparql:URL``: any SPARQL 1.1 query endpoint (Oxigraph server, Fuseki, GraphDB,
  Virtuoso, Amazon Neptune), read-only: load it with ``kg push`` or the store's own
  loader. See :mod:`graph.store.sparql`.

Example
-------
>>> parse_spec("oxigraph:/var/lib/kg"), parse_spec("sparql:http://localhost:7878/query")
(('oxigraph', '/var/lib/kg'), ('sparql', 'http://localhost:7878/query'))
>>> parse_spec("memory")
('memory', '')
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from graph.store.base import EXPORT_FORMATS, Store, StoreError

__all__ = ["Store", "StoreError", "EXPORT_FORMATS", "KINDS", "parse_spec", "open_store", "write_export"]

#: backend name -> what its argument is
KINDS = {"memory": "", "oxigraph": "PATH", "sparql": "URL"}


def parse_spec(spec: str) -> tuple[str, str]:
    """``KIND:ARGUMENT`` -> ``(kind, argument)``; raises :class:`StoreError` if malformed."""
    kind, _, arg = (spec or "memory").partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise StoreError(f"unknown store '{spec}' (expected memory, oxigraph:PATH or sparql:URL)")
    if KINDS[kind] and not arg:
        raise StoreError(f"--store {kind} needs a {KINDS[kind]}: --store {kind}:{KINDS[kind]}")
    if kind == "sparql" and not arg.startswith(("http://", "https://")):
        raise StoreError(f"--store sparql:URL needs an http(s) URL, got '{arg}'")
    return kind, arg


def open_store(
    spec: str, *, data_dir: str | os.PathLike | None = "data", write: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Store:
    """Open the store ``spec`` (see the module docstring).

    An Oxigraph store is first brought up to date with ``data_dir`` (curated facts and
    imported files changed since they were loaded; nothing is loaded when nothing changed)
    and is then opened read-only unless ``write``. A SPARQL endpoint is never written to.
    """
    kind, arg = parse_spec(spec)
    if kind == "memory":
        from graph.store.memory import MemoryStore

        return MemoryStore.build(data_dir or "data")
    if kind == "sparql":
        if write:
            raise StoreError("a sparql: store is read-only here: load it with `kg push` or the store's own loader")
        from graph.store.sparql import SparqlStore

        return SparqlStore(arg)
    from graph.store.oxigraph import OxigraphStore, _pending

    path = Path(arg).expanduser()
    todo = _pending(path, Path(data_dir)) if data_dir is not None else {"curated": False, "files": []}
    if write or todo["curated"] or todo["files"] or not path.is_dir():
        store = OxigraphStore(path)
        if data_dir is not None:
            try:
                store.sync(data_dir, progress)
            except BaseException:
                store.close()
                raise
        if write:
            return store
        store.close()
    return OxigraphStore(path, read_only=True)


def write_export(store: Store, fmt: str, path: str | os.PathLike) -> None:
    """Stream the export ``fmt`` from ``store`` to ``path`` (atomically: a temporary file,
    then a rename), or to stdout for ``-``."""
    import sys

    if str(path) == "-":
        sys.stdout.flush()
        out = sys.stdout.buffer
        store.export(fmt, out)
        out.flush()
        return
    from graph.atomic import write_atomic

    write_atomic(path, lambda handle: store.export(fmt, handle))
