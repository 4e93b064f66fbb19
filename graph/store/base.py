"""What every store backend does, and what they share.

A backend answers SPARQL (:meth:`Store.query`, results in rdflib terms, as
:func:`graph.query.run` gives them), streams the RDF exports (:meth:`Store.export`) and
counts. The actor view, statistics and paths at scale are built on top of
:meth:`Store.select` by :mod:`graph.store.actors`, so they work on every backend alike.

Example
-------
>>> network_keywords('SELECT * WHERE { ?s ?p "SERVICE FROM LOAD" } # SERVICE')
[]
>>> network_keywords("SELECT * FROM <http://x> WHERE { SERVICE <http://y> { ?s ?p ?o } }")
['FROM', 'SERVICE']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from graph.errors import DataError, GraphError

__all__ = ["Store", "StoreError", "EXPORT_FORMATS", "network_keywords", "check_read_only", "header_bytes", "bind_everywhere",
           "kept_value", "check_param_name"]

#: The export formats a store streams itself, at any size (the others read the graph back: graph.store.readback).
EXPORT_FORMATS = ("turtle", "ntriples", "nquads", "trig")


class StoreError(GraphError):
    """A store cannot be opened, read or written (bad --store, a locked store, an endpoint
    that fails). Exit code 1."""


# strings, IRIs and comments: what a keyword may hide in without being one
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>'
    r"|#[^\n]*"
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_NETWORK = re.compile(r"(?i)(?<![\w:?$])(SERVICE|FROM|LOAD)(?![\w:-])")
_UPDATE = re.compile(r"(?i)(?<![\w:?$])(INSERT|DELETE|CLEAR|DROP|CREATE|COPY|MOVE|ADD|WITH)(?![\w:-])")


def network_keywords(text: str) -> list[str]:
    """The keywords of ``text`` that make a query reach the network (SERVICE, FROM, LOAD),
    outside strings, IRIs and comments: a lexical check, so it costs microseconds."""
    return [m.group(1).upper() for m in _NETWORK.finditer(_OPAQUE.sub(" ", text))]


def check_read_only(text: str, allow_network: bool) -> None:
    """Refuse updates, and SERVICE / FROM / LOAD unless ``allow_network`` (as :mod:`graph.query`)."""
    from graph.query import NetworkRefused

    # SPARQL reads \uXXXX escapes anywhere in a query: look at what it reads
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    bare = _OPAQUE.sub(" ", text)
    uses = [m.group(1).upper() for m in _NETWORK.finditer(bare)]
    if "LOAD" in uses and not allow_network:
        raise NetworkRefused("LOAD reaches the network: refused (pass --allow-network to allow it)")
    if "LOAD" in uses or _UPDATE.search(bare):
        raise DataError("kg query runs read-only queries (SELECT, ASK, CONSTRUCT, DESCRIBE), not updates")
    if uses and not allow_network:
        shown = "FROM / FROM NAMED" if uses[0] == "FROM" else uses[0]
        raise NetworkRefused(f"{shown} reaches the network: refused (pass --allow-network to allow it)")


_VARNAME = re.compile(r"\w+")


def check_param_name(name: str) -> str:
    """``name`` if it is a SPARQL variable name (letters, digits, ``_``), else DataError: a
    parameter's name is written into the query (``VALUES (?name)``), its value never is.

    >>> check_param_name("actor")
    'actor'
    >>> check_param_name("s) {} } UNION { ?s ?p ?o } #")
    Traceback (most recent call last):
    ...
    graph.errors.DataError: --param 's) {} } UNION { ?s ?p ?o } #': a parameter name is letters, digits and _
    """
    if not isinstance(name, str) or not _VARNAME.fullmatch(name):
        from graph.errors import shown

        raise DataError(f"--param {shown(name)}: a parameter name is letters, digits and _")
    return name


def bind_everywhere(text: str, params: dict) -> str:
    """Bind ``params`` (name -> rdflib term) with a ``VALUES`` block at the start of every
    ``WHERE`` group, sub-selects included, so that a parameter restricts a sub-select that
    uses it (as rdflib's ``initBindings`` does) instead of being joined after it: the
    difference between scanning every actor's neighbours and one actor's.

    >>> from rdflib import URIRef
    >>> print(bind_everywhere("SELECT ?x WHERE { { SELECT ?x WHERE { ?a ?p ?x } } }", {"a": URIRef("http://e/a")}))
    SELECT ?x WHERE { VALUES (?a) { (<http://e/a>) } { SELECT ?x WHERE { VALUES (?a) { (<http://e/a>) } ?a ?p ?x } } }
    """
    from rdflib import Literal
    from rdflib.term import Node

    if not params:
        return text
    names = [check_param_name(n) for n in sorted(params)]
    terms = [params[n] if isinstance(params[n], Node) else Literal(params[n]) for n in names]
    block = " VALUES (" + " ".join("?" + n for n in names) + ") { (" + " ".join(t.n3() for t in terms) + ") }"
    opaque = [m.span() for m in _OPAQUE.finditer(text)]
    cuts = [m.end() for m in re.finditer(r"(?i)\bWHERE\s*\{", text)
            if not any(a <= m.start() < b for a, b in opaque)]
    if not cuts:
        raise DataError("cannot bind parameters: the query has no WHERE clause")
    out, last = [], 0
    for cut in cuts:
        out.append(text[last:cut] + block)
        last = cut
    return "".join(out) + text[last:]


def kept_value(store, name: str, version: str, compute):
    """``compute()`` (JSON-ready), kept beside ``store`` when it keeps results (see
    :meth:`Store.kept`): computed once for a store's content and ``version``, then read back."""
    kept = store.kept()
    if kept is not None:
        found = kept.get(name, version)
        if found is not None:
            return found
    value = compute()
    if kept is not None:
        kept.put(name, version, value)
    return value


def header_bytes() -> bytes:
    """The comment lines the Turtle and TriG exports start with (as the in-memory exporters)."""
    from graph.iris import HEADER

    return HEADER.encode("utf-8")


class Store:
    """A place where the graph lives. Subclasses: :class:`~graph.store.oxigraph.OxigraphStore`
    (the embedded engine's generations, see :mod:`graph.store.embedded`) and
    :class:`~graph.store.sparql.SparqlStore`."""

    #: the backend's name in ``--store NAME:...``
    kind = ""
    #: the ``--store`` value it was opened with
    spec = ""

    def query(self, text: str, *, params: dict | None = None, timeout: float = 30.0, allow_network: bool = False,
              memory_mb: int = 0):
        """Run a read-only SPARQL query; a :class:`graph.query.QueryResult` in rdflib terms.
        ``memory_mb``: stop a local query that makes the process grow by more than this
        (:class:`graph.query.QueryMemoryLimit`; 0: no limit; an endpoint has its own)."""
        raise NotImplementedError

    def select(self, text: str, *, params: dict | None = None, timeout: float = 300.0) -> list[dict]:
        """The rows of a SELECT query (variable -> rdflib term; unbound variables absent)."""
        result = self.query(text, params=params, timeout=timeout)
        if result.kind != "SELECT":
            raise DataError(f"expected a SELECT query, got {result.kind}")
        return result.rows

    def select_plain(self, text: str, *, timeout: float = 300.0) -> list[dict]:
        """The rows of a SELECT query as plain strings (IRIs, lexical forms): what the
        aggregated views read, without making an rdflib term per cell."""
        return [{k: str(v) for k, v in row.items()} for row in self.select(text, timeout=timeout)]

    def export(self, fmt: str, output: BinaryIO) -> None:
        """Write the export ``fmt`` (one of :data:`EXPORT_FORMATS`) to a binary file object."""
        raise NotImplementedError

    def export_chunks(self, fmt: str) -> Iterator[bytes]:
        """The export as chunks of bytes (for small graphs and tests)."""
        import io

        buf = io.BytesIO()
        self.export(fmt, buf)
        yield buf.getvalue()

    def kept(self):
        """Where results computed from this store are kept (:class:`graph.store.oxigraph.Kept`),
        or None: a SPARQL endpoint's are computed each time."""
        return None

    def count(self) -> int:
        """How many quads the store holds."""
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"]) if rows else 0

    def close(self) -> None:
        """Release the store (files, connections)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec}>"
