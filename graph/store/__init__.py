"""Where the graph lives: the engine every command reads.

Every command that reads the graph takes ``--store SPEC`` (or the ``KG_STORE`` variable):

- nothing (the default): the embedded store of the data folder, ``DATA/.kg/``, an
  Oxigraph store kept up to date with the folder by every command (see
  :mod:`graph.store.embedded`); deleting it loses nothing.
- ``oxigraph:PATH``: the same kind of store at another place.
- ``sparql:URL``: any SPARQL 1.1 query endpoint (Oxigraph server, Fuseki, GraphDB,
  Virtuoso, Amazon Neptune), read-only: load it with ``kg push`` or the store's own
  loader. See :mod:`graph.store.sparql`.

Example
-------
>>> parse_spec("oxigraph:/var/lib/kg"), parse_spec("sparql:http://localhost:7878/query")
(('oxigraph', '/var/lib/kg'), ('sparql', 'http://localhost:7878/query'))
>>> parse_spec(None)
('oxigraph', '')
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from graph.store.base import EXPORT_FORMATS, Store, StoreError

__all__ = ["Store", "StoreError", "EXPORT_FORMATS", "KINDS", "parse_spec", "store_path", "open_store", "writer",
           "write_export"]

#: backend name -> what its argument is
KINDS = {"oxigraph": "PATH", "sparql": "URL"}


def parse_spec(spec: str | None) -> tuple[str, str]:
    """``KIND:ARGUMENT`` -> ``(kind, argument)``; ``None`` (or ``memory``, the name the
    default had before it was a store) is the embedded store of the data folder:
    ``("oxigraph", "")``. Raises :class:`StoreError` if malformed."""
    if not spec or spec.strip().lower() in ("memory", "default", "embedded"):
        return "oxigraph", ""
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise StoreError(f"unknown store '{spec}' (expected oxigraph:PATH or sparql:URL; "
                         "without --store, the data folder's own store)")
    if KINDS[kind] and not arg:
        raise StoreError(f"--store {kind} needs a {KINDS[kind]}: --store {kind}:{KINDS[kind]}")
    if kind == "sparql" and not arg.startswith(("http://", "https://")):
        raise StoreError(f"--store sparql:URL needs an http(s) URL, got '{arg}'")
    return kind, arg


def store_path(spec: str | None, data_dir: str | os.PathLike = "data") -> Path | None:
    """The folder of the Oxigraph store ``spec`` names (``DATA/.kg`` by default), or None
    for a SPARQL endpoint."""
    from graph.store.embedded import default_path

    kind, arg = parse_spec(spec)
    if kind == "sparql":
        return None
    return Path(arg).expanduser() if arg else default_path(data_dir)


def open_store(
    spec: str | None = None, *, data_dir: str | os.PathLike | None = "data",
    progress: Callable[[str], None] | None = None,
) -> Store:
    """Open the store ``spec`` (see the module docstring) for reading.

    An Oxigraph store (the default one included) is first brought up to date with
    ``data_dir`` (nothing is written when nothing changed: a few ``stat`` calls). A SPARQL
    endpoint is never written to.
    """
    from graph.store import embedded

    kind, arg = parse_spec(spec)
    if kind == "sparql":
        from graph.store.sparql import SparqlStore

        return SparqlStore(arg)
    path = store_path(spec, data_dir or "data")
    if data_dir is not None:
        embedded.sync(path, data_dir, progress)
    return embedded.open_reader(path)


def writer(spec: str | None = None, *, data_dir: str | os.PathLike = "data",
           progress: Callable[[str], None] | None = None):
    """The next generation of the Oxigraph store ``spec``, up to date with ``data_dir``,
    to write into (a context manager: see :func:`graph.store.embedded.writer`)."""
    from graph.store import embedded

    path = store_path(spec, data_dir)
    if path is None:
        raise StoreError(f"a sparql: store is read-only here: load it with `kg push` or the store's own loader "
                         f"(got --store {spec})")
    return embedded.writer(path, data_dir, progress)


class _Retitled:
    """A binary file whose first write (an export's header) names ``command``."""

    def __init__(self, handle, command: str):
        self.handle, self.command, self.first = handle, command, True

    def write(self, data: bytes) -> int:
        if self.first:
            from graph.iris import retitle

            self.first = False
            data = retitle(data.decode("utf-8"), self.command).encode("utf-8")
        return self.handle.write(data)

    def __getattr__(self, name):
        return getattr(self.handle, name)


def write_export(store: Store, fmt: str, path: str | os.PathLike, *, command: str = "kg build") -> None:
    """Stream the export ``fmt`` from ``store`` to ``path`` (atomically: a temporary file,
    then a rename), or to stdout for ``-``; its header names ``command``."""
    import sys

    if str(path) == "-":
        sys.stdout.flush()
        out = sys.stdout.buffer
        store.export(fmt, _Retitled(out, command))
        out.flush()
        return
    from graph.atomic import write_atomic

    write_atomic(path, lambda handle: store.export(fmt, _Retitled(handle, command)))
