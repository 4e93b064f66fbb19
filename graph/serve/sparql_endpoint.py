"""A SPARQL 1.1 Protocol endpoint over a store: read-only, bounded in time and size.

``GET /sparql?query=...``, ``POST`` of a form (``query=...``) or of the query itself
(``Content-Type: application/sparql-query``). The answer's format follows the ``Accept``
header (or ``format=``, for a link in a browser):

- SELECT and ASK: SPARQL results JSON (the default), XML, CSV and TSV;
- CONSTRUCT and DESCRIBE: Turtle (the default), N-Triples, JSON-LD and RDF/XML.

What it refuses, as a local ``kg query`` does (:func:`graph.store.base.check_read_only`):
updates (``update=``, ``application/sparql-update``, INSERT, DELETE...), and
``SERVICE``, ``FROM`` and ``LOAD``, which would make the server reach the network; also
``default-graph-uri``/``named-graph-uri`` (the default graph is the union of all
sources, ``GRAPH ?g`` tells which source states a triple). Each refusal is a 400 with
a one-line message.

Bounds: a query runs at most ``timeout`` seconds (then 503, and the server goes on), at
most ``slots`` queries at once (a query stopped by its timeout holds its slot until it
has really ended), and an answer holds at most ``max_rows`` rows or triples: past that
it is cut there and says so in the headers ``X-SPARQL-MaxRows`` and ``X-KG-Truncated``.

Example
-------
>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", "SELECT")
'xml'
>>> negotiate("*/*", "CONSTRUCT"), negotiate("", "ASK")
('turtle', 'json')
>>> negotiate("image/png", "SELECT") is None
True
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from graph.errors import DataError, GraphError

__all__ = ["Answer", "Endpoint", "EndpointError", "negotiate", "RESULT_TYPES", "GRAPH_TYPES", "service_description"]

#: results format -> media type (SELECT, ASK)
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: graph format -> media type (CONSTRUCT, DESCRIBE)
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
# other names clients send for them
_RESULT_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}
_GRAPH_ALIASES = {"application/x-turtle": "turtle", "text/plain": "ntriples", "application/json": "jsonld",
                  "application/xml": "rdfxml", "text/xml": "rdfxml"}


class EndpointError(GraphError):
    """A request the endpoint answers with an HTTP error: ``status`` and a one-line message."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}


def _accepted(accept: str) -> list[tuple[str, float]]:
    """The media types of an ``Accept`` header, best first (ties in the order given)."""
    out = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        if not bits[0]:
            continue
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            out.append((bits[0].lower(), q, i))
    return [(t, q) for t, q, _i in sorted(out, key=lambda x: (-x[1], x[2]))]


def negotiate(accept: str, kind: str) -> str | None:
    """The format (a key of :data:`RESULT_TYPES` or :data:`GRAPH_TYPES`) to answer a query
    of ``kind`` in, for the ``Accept`` header ``accept``; None if nothing fits."""
    graph = kind in ("CONSTRUCT", "DESCRIBE")
    types, aliases = (GRAPH_TYPES, _GRAPH_ALIASES) if graph else (RESULT_TYPES, _RESULT_ALIASES)
    default = "turtle" if graph else "json"
    wanted = _accepted(accept or "*/*")
    by_type = {v: k for k, v in types.items()}
    for media, _q in wanted:
        if media in by_type:
            return by_type[media]
        if media in aliases:
            return aliases[media]
        if media in ("*/*", "application/*", "text/*"):
            if media == "text/*" and not graph:
                return "csv"
            return default
    return None


# ----------------------------------------------------------------------- the answers


@dataclass
class Answer:
    """A query's answer before it is written: ``kind`` SELECT/ASK/CONSTRUCT/DESCRIBE, and
    ``vars`` + ``rows`` (cells: see :func:`_cell`), ``boolean`` or ``triples``."""

    kind: str
    vars: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    boolean: bool | None = None
    triples: list = field(default_factory=list)  # pyoxigraph triples, or an rdflib Graph's
    truncated: bool = False
    rdflib_graph: object | None = None


def _ox_cell(term) -> tuple | None:
    """A pyoxigraph term as ``(type, value, datatype, language)``: type uri/bnode/literal."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value, "", "")
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, "", "")
    if isinstance(term, ox.Literal):
        lang = term.language or ""
        dt = term.datatype.value if not lang else ""
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            dt = ""
        return ("literal", term.value, dt, lang)
    return ("literal", str(term), "", "")  # a quoted triple: shown as text


def _rdflib_cell(term) -> tuple | None:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("uri", str(term), "", "")
    if isinstance(term, BNode):
        return ("bnode", str(term), "", "")
    if isinstance(term, Literal):
        dt = str(term.datatype or "")
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            dt = ""
        return ("literal", str(term), dt if not term.language else "", term.language or "")
    return ("literal", str(term), "", "")


def _json_cell(c: tuple) -> dict:
    kind, value, dt, lang = c
    out = {"type": kind, "value": value}
    if lang:
        out["xml:lang"] = lang
    elif dt:
        out["datatype"] = dt
    return out


def write_results(answer: Answer, fmt: str) -> bytes:
    """The bytes of a SELECT or ASK ``answer`` in ``fmt`` (json, xml, csv, tsv), as the
    W3C SPARQL 1.1 results formats write them.

    >>> a = Answer("SELECT", ["x", "n"], [[("uri", "http://e/a", "", ""), ("literal", "a,b", "", "en")]])
    >>> write_results(a, "csv")
    b'x,n\\r\\nhttp://e/a,"a,b"\\r\\n'
    >>> write_results(a, "tsv")
    b'?x\\t?n\\n<http://e/a>\\t"a,b"@en\\n'
    >>> write_results(Answer("ASK", boolean=True), "json")
    b'{"head":{},"boolean":true}'
    """
    import json

    if fmt == "json":
        if answer.kind == "ASK":
            return json.dumps({"head": {}, "boolean": answer.boolean}, separators=(",", ":")).encode()
        bindings = [{v: _json_cell(c) for v, c in zip(answer.vars, row, strict=True) if c is not None}
                    for row in answer.rows]
        return json.dumps({"head": {"vars": answer.vars}, "results": {"bindings": bindings}},
                          separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        return _xml(answer).encode("utf-8")
    if answer.kind == "ASK":  # CSV/TSV of a boolean: one column, as Jena and Oxigraph do
        return (f"_askResult\r\n{'true' if answer.boolean else 'false'}\r\n" if fmt == "csv"
                else f"?_askResult\n{'true' if answer.boolean else 'false'}\n").encode()
    if fmt == "csv":
        buf = io.StringIO()
        import csv

        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(answer.vars)
        for row in answer.rows:
            w.writerow(["" if c is None else ("_:" + c[1] if c[0] == "bnode" else c[1]) for c in row])
        return buf.getvalue().encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in answer.vars)]
        lines += ["\t".join("" if c is None else _nt(c) for c in row) for row in answer.rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"unknown results format {fmt!r}")


def _escape_literal(value: str) -> str:
    return (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))


def _nt(c: tuple) -> str:
    kind, value, dt, lang = c
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    text = f'"{_escape_literal(value)}"'
    return text + (f"@{lang}" if lang else f"^^<{dt}>" if dt else "")


def _xml(answer: Answer) -> str:
    from xml.sax.saxutils import escape, quoteattr

    def text(s: str) -> str:  # characters XML 1.0 cannot hold become U+FFFD
        return escape("".join(ch if ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD
                              or ord(ch) > 0xFFFF else "\ufffd" for ch in s))

    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n']
    if answer.kind == "ASK":
        out.append(f"<head/>\n<boolean>{'true' if answer.boolean else 'false'}</boolean>\n</sparql>\n")
        return "".join(out)
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in answer.vars) + "</head>\n<results>\n")
    for row in answer.rows:
        out.append("<result>")
        for v, c in zip(answer.vars, row, strict=True):
            if c is None:
                continue
            kind, value, dt, lang = c
            if kind == "uri":
                inner = f"<uri>{text(value)}</uri>"
            elif kind == "bnode":
                inner = f"<bnode>{text(value)}</bnode>"
            elif lang:
                inner = f"<literal xml:lang={quoteattr(lang)}>{text(value)}</literal>"
            elif dt:
                inner = f"<literal datatype={quoteattr(dt)}>{text(value)}</literal>"
            else:
                inner = f"<literal>{text(value)}</literal>"
            out.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out)


def write_graph(answer: Answer, fmt: str) -> bytes:
    """The bytes of a CONSTRUCT or DESCRIBE ``answer`` in ``fmt`` (turtle, ntriples,
    jsonld, rdfxml), with the graph's prefixes."""
    from graph.iris import PREFIXES

    if answer.rdflib_graph is not None:
        name = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[fmt]
        return answer.rdflib_graph.serialize(format=name, encoding="utf-8")
    import pyoxigraph as ox

    rdf = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
           "rdfxml": ox.RdfFormat.RDF_XML}[fmt]
    prefixes = dict(PREFIXES) if fmt in ("turtle", "rdfxml") else None
    return ox.serialize(answer.triples, None, rdf, prefixes=prefixes) or b""


# ----------------------------------------------------------------------- evaluation


class Endpoint:
    """Answers SPARQL queries on ``store`` within the bounds of the module docstring.

    >>> from graph.store import open_store
    >>> with open_store(data_dir="data") as store:
    ...     answer = Endpoint(store).run("ASK { ?s a dai:Company }")
    >>> answer.kind, answer.boolean
    ('ASK', True)
    """

    def __init__(self, store, *, timeout: float = 30.0, max_rows: int = 10_000, slots: int = 4,
                 wait: float = 5.0):
        self.store, self.timeout, self.max_rows, self.wait = store, timeout, max_rows, wait
        self._slots = threading.BoundedSemaphore(slots)

    def run(self, text: str) -> Answer:
        """Evaluate the read-only query ``text``; raises DataError (syntax, an update, a
        network keyword: 400), :class:`graph.query.QueryTimeout` (503) or EndpointError."""
        from graph.store.base import check_read_only

        check_read_only(text, False)
        native = getattr(self.store, "oxigraph", None)
        if not self._slots.acquire(timeout=self.wait):
            raise EndpointError(503, f"busy: {self._slots._initial_value} queries are running; try again",
                                {"Retry-After": "5"})
        if native is None:  # another backend (a sparql: store): its own answer, cut to size
            try:
                return self._through_store(text)
            finally:
                self._slots.release()
        return self._in_thread(lambda stop: self._evaluate(native, text, stop))

    def _through_store(self, text: str) -> Answer:
        result = self.store.query(text, timeout=self.timeout)
        if result.kind == "ASK":
            return Answer("ASK", boolean=result.boolean)
        if result.kind == "SELECT":
            rows = result.rows[: self.max_rows]
            return Answer("SELECT", list(result.vars), [[_rdflib_cell(r.get(v)) for v in result.vars] for r in rows],
                          truncated=len(result.rows) > self.max_rows)
        return Answer(result.kind, rdflib_graph=result.graph)

    def _evaluate(self, native, text: str, stop: threading.Event) -> Answer:
        import pyoxigraph as ox

        from graph.iris import PREFIXES

        result = native.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return Answer("ASK", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            rows, truncated = [], False
            for solution in result:
                if stop.is_set():
                    raise _Stopped
                if len(rows) >= self.max_rows:
                    truncated = True
                    break
                rows.append([_ox_cell(solution[i]) for i in range(len(names))])
            return Answer("SELECT", names, rows, truncated=truncated)
        kind = "CONSTRUCT"  # or DESCRIBE: a graph either way
        triples, truncated = [], False
        for t in result:
            if stop.is_set():
                raise _Stopped
            if len(triples) >= self.max_rows:
                truncated = True
                break
            triples.append(t)
        return Answer(kind, triples=triples, truncated=truncated)

    def _in_thread(self, work: Callable[[threading.Event], Answer]) -> Answer:
        """``work`` in a thread of its own, waited for at most ``timeout`` seconds; the slot
        is released when the thread ends (a stopped query may finish a step first)."""
        from graph.query import QueryTimeout

        box: dict = {}
        stop = threading.Event()

        def target() -> None:
            try:
                box["answer"] = work(stop)
            except BaseException as exc:  # noqa: BLE001 - reported by the waiting thread
                box["error"] = exc.with_traceback(None)
            finally:
                self._slots.release()

        worker = threading.Thread(target=target, name="kg-serve-query", daemon=True)
        started = time.monotonic()
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            stop.set()
            raise QueryTimeout(f"query stopped after {time.monotonic() - started:.0f} s "
                               f"(the server's limit is {self.timeout:g} s)")
        exc = box.get("error")
        if exc is None:
            return box["answer"]
        if isinstance(exc, SyntaxError):
            import re

            why = str(exc).splitlines()[0]
            at = re.match(r"error at (\d+):(\d+): (.*)", why)
            raise DataError(f"SPARQL syntax error at line {at.group(1)}, column {at.group(2)}: {at.group(3)}"
                            if at else f"SPARQL syntax error: {why}") from None
        if isinstance(exc, GraphError):
            raise exc
        raise GraphError(f"query failed: {str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__}")


class _Stopped(Exception):
    pass


def service_description(endpoint_url: str, fmt: str = "turtle") -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint_url``: what it
    answers (SPARQL 1.1 Query, no update), in which formats, and that its default graph is
    the union of the named graphs (one per source).

    >>> b"sd:UnionDefaultGraph" in service_description("http://127.0.0.1:8765/sparql")
    True
    """
    from rdflib import BNode, Graph, Namespace, URIRef
    from rdflib.namespace import RDF

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    fmt_ns = Namespace("http://www.w3.org/ns/formats/")
    g = Graph()
    g.bind("sd", sd)
    g.bind("formats", fmt_ns)
    service = URIRef(endpoint_url + "#service")
    g.add((service, RDF.type, sd.Service))
    g.add((service, sd.endpoint, URIRef(endpoint_url)))
    g.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    g.add((service, sd.feature, sd.UnionDefaultGraph))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((service, sd.resultFormat, fmt_ns[name]))
    dataset = BNode("dataset")
    g.add((service, sd.defaultDataset, dataset))
    g.add((dataset, RDF.type, sd.Dataset))
    default = BNode("default")
    g.add((dataset, sd.defaultGraph, default))
    g.add((default, RDF.type, sd.Graph))
    name = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}[fmt]
    return g.serialize(format=name, encoding="utf-8")
