"""The SPARQL endpoint backend (``--store sparql:URL``): any SPARQL 1.1 query endpoint.

For data that outgrows one machine (Virtuoso, GraphDB, Amazon Neptune, Fuseki, an Oxigraph
server), the same commands run against the endpoint: ``kg query``, ``kg stats``,
``kg path``, ``kg neighbors``, ``kg rank`` (on the aggregated actor view of
:mod:`graph.store.actors`) and ``kg export`` (RDF formats, streamed from ``CONSTRUCT``
answers). It is read-only: fill it with ``kg push`` or the store's own loader.

The saved queries expect the default graph to be the union of the named graphs (Oxigraph:
``serve --union-default-graph``; Virtuoso does so by default; Fuseki:
``tdb2:unionDefaultGraph``). Exports name their graphs explicitly and take the graphs whose
IRI starts with ``https://w3id.org/defense-ai-graph/`` (so a Virtuoso's own graphs are left
out).

Example
-------
>>> SparqlStore("http://127.0.0.1:7878/query").spec
'sparql:http://127.0.0.1:7878/query'
"""

from __future__ import annotations

from typing import BinaryIO

from graph.rdf import BASE, ONTOLOGY_GRAPH
from graph.store.base import EXPORT_FORMATS, Store, StoreError, bind_everywhere, check_read_only, header_bytes

__all__ = ["SparqlStore", "UNION_ADVICE", "empty_answer_hint"]

_NTRIPLES = "application/n-triples, text/plain;q=0.9"

#: how to make a store's default graph the union of its named graphs (what the queries read)
UNION_ADVICE = "Oxigraph: serve --union-default-graph; Fuseki: tdb2:unionDefaultGraph"


class SparqlStore(Store):
    """A SPARQL 1.1 query endpoint at ``url`` (read-only)."""

    kind = "sparql"

    def __init__(self, url: str, *, headers: dict | None = None):
        if not url.startswith(("http://", "https://")):
            raise StoreError(f"--store sparql:URL needs an http(s) URL, got '{url}'")
        self.url = url
        self.spec = f"sparql:{url}"
        self.headers = dict(headers or {})

    def query(self, text: str, *, params: dict | None = None, timeout: float = 30.0, allow_network: bool = False,
              memory_mb: int = 0):
        """Run a query on the endpoint. SERVICE, FROM and LOAD are refused as in a local
        query (unless ``allow_network``): the endpoint would make the request."""
        from graph.query import run_remote

        check_read_only(text, allow_network)
        if params:
            text = bind_everywhere(text, {k.lstrip("?$"): v for k, v in params.items()})
        return run_remote(self.url, text, timeout=timeout, headers=self.headers)

    def default_graph_hint(self, *, timeout: float = 10.0) -> str | None:
        """What to do when the endpoint's default graph is empty but its named graphs are
        not (queries without ``GRAPH`` then find nothing), else ``None``: two ``ASK``
        queries, for an empty answer. An endpoint that fails to answer them gets no hint.

        >>> SparqlStore("http://127.0.0.1:9/query").default_graph_hint(timeout=1) is None
        True
        """
        from graph.errors import GraphError

        try:
            if self.query("ASK { ?s ?p ?o }", timeout=timeout).boolean is not False:
                return None
            if not self.query("ASK { GRAPH ?g { ?s ?p ?o } }", timeout=timeout).boolean:
                return None
        except GraphError:
            return None
        return (f"{self.url}'s default graph is empty, its named graphs are not: make it their union "
                f"({UNION_ADVICE})")

    # -- export ------------------------------------------------------------------------

    def _stream(self, query: str, accept: str, output: BinaryIO, *, timeout: float = 3600.0, each_line=None) -> None:
        """POST ``query``, copy the answer to ``output`` as it arrives (``each_line``: rewrite
        each line of a line-based answer), within ``timeout`` seconds in all."""
        from graph.query import prologue, remote_answer, sparql_request

        request = sparql_request(self.url, prologue() + query, accept, self.headers)
        if each_line is None:
            remote_answer(self.url, request, timeout, sink=output.write)
            return
        rest = [b""]

        def lines(block: bytes) -> None:
            parts = (rest[0] + block).split(b"\n")
            rest[0] = parts.pop()
            output.write(b"".join(each_line(line) for line in parts))

        remote_answer(self.url, request, timeout, sink=lines)
        if rest[0]:
            output.write(each_line(rest[0]))

    def named_graphs(self) -> list[str]:
        """Our graphs on the endpoint (their IRIs start with the project's base IRI)."""
        rows = self.select_plain(
            f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), "{BASE}")) }}',
            timeout=3600)
        return sorted(r["g"] for r in rows if "g" in r)

    def export(self, fmt: str, output: BinaryIO) -> None:
        """Stream ``fmt`` from ``CONSTRUCT`` answers: one per graph for ``nquads`` and
        ``trig`` (each N-Triples line gets its graph), one over every graph but the ontology
        for ``ntriples`` and ``turtle``."""
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"format '{fmt}' is not streamed from a store (use one of {', '.join(EXPORT_FORMATS)})")
        if fmt in ("ntriples", "turtle"):
            query = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                     f'FILTER (STRSTARTS(STR(?g), "{BASE}") && ?g != <{ONTOLOGY_GRAPH}>) }}')
            if fmt == "turtle":
                output.write(header_bytes())
                self._stream(query, "text/turtle", output)
            else:
                self._stream(query, _NTRIPLES, output, each_line=_ntriples_line)
            return
        if fmt == "trig":
            output.write(header_bytes())
        for g in self.named_graphs():
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"
            if fmt == "trig":
                output.write(f"\n<{g}> {{\n".encode())
                self._stream(query, _NTRIPLES, output, each_line=_ntriples_line)
                output.write(b"}\n")
            else:
                suffix = f" <{g}> .\n".encode()
                self._stream(query, _NTRIPLES, output,
                             each_line=lambda line, s=suffix: _quad_line(line, s))


def empty_answer_hint(store, result) -> str | None:
    """A hint for an empty answer (no row, or an empty graph) from a SPARQL endpoint whose
    default graph is empty but its named graphs are not (see
    :meth:`SparqlStore.default_graph_hint`); ``None`` otherwise, and for every other store.

    >>> from graph.query import QueryResult
    >>> empty_answer_hint(object(), QueryResult("SELECT")) is None
    True
    """
    if not isinstance(store, SparqlStore) or result.kind == "ASK":
        return None
    empty = len(result.graph) == 0 if result.graph is not None else not result.rows
    return store.default_graph_hint() if empty else None


def _ntriples_line(line: bytes) -> bytes:
    line = line.strip()
    return line + b"\n" if line and not line.startswith(b"#") else b""


def _quad_line(line: bytes, suffix: bytes) -> bytes:
    line = line.strip()
    if not line or line.startswith(b"#") or not line.endswith(b"."):
        return b""
    return line[:-1].rstrip() + suffix
