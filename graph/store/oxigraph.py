"""The Oxigraph backend: one Oxigraph (RocksDB) folder, read or written.

The default engine (:mod:`graph.store.embedded`) keeps the graph in generations of such
folders; :class:`OxigraphStore` is one of them, opened read-only by the commands that read
and writable by the sync or import that makes the next one. It answers SPARQL with a time
limit, streams the RDF exports (Oxigraph serialises them itself) and bulk-loads N-Quads
(:class:`GraphLoader` feeds the loader while an importer writes).

Example
-------
>>> import tempfile
>>> store = OxigraphStore(tempfile.mkdtemp())
>>> store.load_text(b'<https://w3id.org/defense-ai-graph/id/x> '
...                 b'<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
...                 b'<https://w3id.org/defense-ai-graph/ontology#Company> <https://example.org/g> .')
>>> store.query("ASK { id:x a dai:Company }").boolean
True
>>> store.close()
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from graph.errors import DataError, GraphError
from graph.iris import ONTOLOGY_GRAPH_IRI, PREFIXES
from graph.store.base import EXPORT_FORMATS, Store, StoreError, bind_everywhere, check_read_only, header_bytes

__all__ = ["OxigraphStore", "to_rdflib", "to_oxigraph"]

#: the file in a store folder that records what it holds (see graph.store.embedded)
STATE_FILE = "kg-store.json"


def _ox():
    try:
        import pyoxigraph
    except ImportError:  # pragma: no cover - a core dependency
        raise StoreError("the Oxigraph store needs pyoxigraph: pip install pyoxigraph") from None
    return pyoxigraph


# ------------------------------------------------------------------------- terms


_DATATYPES: dict = {}  # datatype IRI -> rdflib URIRef
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term):
    """A pyoxigraph term as the rdflib term :mod:`graph.query` results use."""
    from rdflib import BNode, Literal, URIRef

    ox = _ox()
    kind = type(term)
    if kind is ox.NamedNode:
        return URIRef(term.value)
    if kind is ox.Literal:
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        found = _DATATYPES.get(datatype)
        if found is None:
            found = _DATATYPES[datatype] = URIRef(datatype)
        return Literal(term.value, datatype=found)
    if kind is ox.BlankNode:
        return BNode(term.value)
    raise StoreError(f"unexpected term in a result: {term!r}")


def to_oxigraph(term):
    """An rdflib term (or a plain Python value) as a pyoxigraph term."""
    from rdflib import BNode, Literal, URIRef

    ox = _ox()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if not isinstance(term, Literal):
        term = Literal(term)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


# ------------------------------------------------------------------------- loading


class GraphLoader:
    """Feeds N-Quads to the store's bulk loader while they are being written.

    The loader runs in a thread (Oxigraph parses and indexes without holding Python's lock)
    and reads a pipe; :meth:`write` puts chunks of whole lines into it. :meth:`close` waits
    for the loader; :meth:`abort` stops it (what was read is in the store: remove it).
    """

    def __init__(self, store):
        ox = _ox()
        read_fd, write_fd = os.pipe()
        try:  # Linux: a 1 MB pipe instead of 64 kB, fewer switches between writer and loader
            import fcntl

            fcntl.fcntl(write_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
        except (ImportError, OSError):
            pass
        self._pipe = os.fdopen(write_fd, "wb")
        self.error: BaseException | None = None
        self.bytes = 0

        def run() -> None:
            try:
                store.bulk_load(path=f"/dev/fd/{read_fd}", format=ox.RdfFormat.N_QUADS)
            except BaseException as exc:  # reported by write() / close()
                self.error = exc
            finally:
                os.close(read_fd)

        self._thread = threading.Thread(target=run, name="kg-bulk-load", daemon=True)
        self._thread.start()

    def write(self, data: bytes) -> None:
        try:
            self._pipe.write(data)
        except BrokenPipeError:
            self._thread.join()
            raise StoreError(f"the bulk loader stopped: {self.error}") from None
        self.bytes += len(data)

    def close(self) -> None:
        self._pipe.close()
        self._thread.join()
        if self.error is not None:
            raise StoreError(f"the bulk loader failed: {str(self.error).splitlines()[0][:300]}")

    def abort(self) -> None:
        try:
            self._pipe.close()
        except OSError:
            pass
        self._thread.join()


class Known:
    """What the other sources of a store say of a subject, for an import run (``run.known``):
    the identifiers a curated actor already has, whether an entity already has a label.

    >>> store = _ox().Store()
    >>> known = Known(store, "https://example.org/source/this")
    >>> known.values("https://example.org/id/x", "https://example.org/uei")
    set()
    """

    def __init__(self, store, graph: str):
        self.store, self.graph = store, _ox().NamedNode(graph)

    def values(self, subject, predicate) -> set[str]:
        ox = _ox()
        return {q.object.value for q in self.store.quads_for_pattern(ox.NamedNode(str(subject)), ox.NamedNode(str(predicate)), None)
                if q.graph_name != self.graph}

    def has(self, subject, predicate) -> bool:
        return bool(self.values(subject, predicate))


class _Import:
    """One import run streaming into a generation being written (see
    :meth:`graph.store.embedded.Generation.import_into`)."""

    def __init__(self, gen, run):
        self.gen, self.run, self.graph = gen, run, str(run.g)
        gen.store.remove_graph(self.graph)
        run.known = Known(gen.store.oxigraph, self.graph)
        self.loader = GraphLoader(gen.store.oxigraph)
        run.writer.sinks.append(self.loader.write)

    def commit(self) -> None:
        self.loader.close()
        self.gen.record_file(self.run.out, [self.graph])

    def abort(self) -> None:  # the generation is thrown away: nothing to restore
        self.loader.abort()


class Kept:
    """Results computed from one store and kept beside it (the aggregated actor view, the
    counts of ``kg stats``, the centralities of ``kg rank``), valid while its files are the same.

    The key is the store's record of what it loaded (``kg-store.json``), the names and sizes
    of Oxigraph's own files (any write makes new ones) and the version of the computation.
    Plain JSON (no pickle: a store folder from someone else runs no code), one file a result
    (``kg-kept-NAME.json``). Written atomically; a folder that cannot be written just means
    nothing is kept.
    """

    def __init__(self, path: Path):
        self.path = path

    def file(self, name: str) -> Path:
        return self.path / f"kg-kept-{name}.json"

    def key(self, version: str) -> str:
        h = hashlib.sha256(version.encode())
        try:
            h.update((self.path / STATE_FILE).read_bytes())
        except FileNotFoundError:
            pass
        for entry in sorted(os.scandir(self.path), key=lambda e: e.name):
            if entry.is_file() and not entry.name.startswith(("kg-", ".")) and not entry.name.startswith("LOCK"):
                h.update(f"{entry.name}\0{entry.stat().st_size}\n".encode())
        return h.hexdigest()

    def get(self, name: str, version: str):
        """What was kept as ``name`` for this content and ``version``, or None."""
        try:
            with open(self.file(name), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != self.key(version):
            return None
        return data.get("value")

    def put(self, name: str, version: str, value) -> None:
        from graph.atomic import write_text_atomic

        try:
            write_text_atomic(self.file(name), [json.dumps({"key": self.key(version), "value": value},
                                                           separators=(",", ":"), ensure_ascii=False)])
        except OSError:
            pass


# ------------------------------------------------------------------------- the store


class OxigraphStore(Store):
    """An on-disk Oxigraph store; see the module docstring.

    ``read_only=True`` opens it for reading only (several commands may then read it at once).
    Raises :class:`StoreError` if it cannot be opened (for example, another process has it
    open for writing).
    """

    kind = "oxigraph"

    def __init__(self, path: str | os.PathLike | None, *, read_only: bool = False):
        ox = _ox()
        self.read_only = read_only
        if path is None:  # in memory: a derived graph (graph.store.readback)
            self.path, self.spec, self._store = None, "oxigraph:memory", ox.Store()
            return
        self.path = Path(path)
        self.spec = f"oxigraph:{self.path}"
        if not read_only:
            self.path.mkdir(parents=True, exist_ok=True)
        try:
            self._store = ox.Store.read_only(str(self.path)) if read_only else ox.Store(str(self.path))
        except OSError as exc:
            why = str(exc).splitlines()[0][:200]
            hint = (" (another process has it open: stop it, or query its server with --store sparql:URL)"
                    if "lock" in why.lower() else "")
            raise StoreError(f"cannot open the Oxigraph store: {why}{hint}", file=str(self.path)) from None

    # -- state ------------------------------------------------------------------------

    @property
    def oxigraph(self):
        """The underlying :class:`pyoxigraph.Store`."""
        return self._store

    def kept(self) -> Kept | None:
        """Where results computed from this store's content are kept beside it (none in memory)."""
        return Kept(self.path) if self.path is not None else None

    # -- writing ----------------------------------------------------------------------

    def _require_writable(self) -> None:
        if self.read_only:
            raise StoreError("the store was opened read-only", file=str(self.path))

    def graph_size(self, graph: str) -> int:
        rows = list(self._store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
        return int(rows[0]["n"].value) if rows else 0

    def remove_graph(self, graph: str, batch: int = 50_000) -> int:
        """Remove every quad of ``graph`` (in batches, so memory stays flat); how many.

        Oxigraph removes quads one by one: this costs several times loading them."""
        self._require_writable()
        ox = _ox()
        name = ox.NamedNode(graph)
        removed = 0
        while True:
            chunk = []
            for q in self._store.quads_for_pattern(None, None, None, name):
                chunk.append(q)
                if len(chunk) >= batch:
                    break
            if not chunk:
                break
            for q in chunk:
                self._store.remove(q)
            removed += len(chunk)
        try:
            self._store.remove_graph(name)
        except Exception:  # noqa: BLE001 - already gone
            pass
        return removed

    def load_file(self, path: str | os.PathLike, fmt: str = "nquads") -> None:
        """Bulk-load an N-Quads or TriG file, gzip'd if its name ends in ``.gz`` (quads keep
        their graphs)."""
        self._require_writable()
        ox = _ox()
        rdf_format = ox.RdfFormat.N_QUADS if fmt == "nquads" else ox.RdfFormat.TRIG
        try:
            if str(path).endswith(".gz"):
                import gzip

                with gzip.open(path, "rb") as fh:
                    self._store.bulk_load(fh, format=rdf_format)
            else:
                self._store.bulk_load(path=str(path), format=rdf_format)
        except (SyntaxError, ValueError, OSError, EOFError, zlib.error) as exc:
            raise DataError(f"cannot load into the store: {str(exc).splitlines()[0][:200]}", file=str(path)) from None

    def load_text(self, text: bytes, fmt: str = "nquads") -> None:
        self._require_writable()
        ox = _ox()
        self._store.bulk_load(text, format=ox.RdfFormat.N_QUADS if fmt == "nquads" else ox.RdfFormat.TRIG)

    # -- reading ----------------------------------------------------------------------

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    def count(self) -> int:
        return len(self._store)

    def query(self, text: str, *, params: dict | None = None, timeout: float = 30.0, allow_network: bool = False,
              memory_mb: int = 0):
        """Run a read-only query (default graph: the union of all graphs) with a time limit
        and, with ``memory_mb``, a memory limit (how much the process may grow).

        Raises DataError (syntax error, an update), NetworkRefused, QueryTimeout, QueryMemoryLimit."""
        from graph.query import QueryResult

        check_read_only(text, allow_network)
        ox = _ox()
        if params:  # VALUES blocks of serialised terms (in every WHERE group: see bind_everywhere)
            text = bind_everywhere(text, {k.lstrip("?$"): v for k, v in params.items()})
        def evaluate() -> dict:
            outcome: dict = {}
            try:
                result = self._store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
                if isinstance(result, ox.QueryBoolean):
                    outcome["result"] = QueryResult("ASK", boolean=bool(result))
                elif isinstance(result, ox.QuerySolutions):
                    names = [v.value for v in result.variables]
                    rows = [{n: t for n, t in zip(names, solution) if t is not None} for solution in _until(result, stop)]
                    outcome["result"] = QueryResult("SELECT", vars=names, rows=rows)
                else:
                    outcome["triples"] = list(_until(result, stop))
            except BaseException as exc:  # reported by the caller's thread
                # without its traceback: the frames hold the results iterator, which pyoxigraph
                # lets only this thread drop
                outcome["error"] = exc.with_traceback(None)
            return outcome

        stop = threading.Event()
        outcome = _in_thread(evaluate, timeout, stop, memory_mb)
        if "triples" in outcome:
            from rdflib import Graph

            from graph.rdf import bind_prefixes

            g = Graph()
            bind_prefixes(g)
            for t in outcome["triples"]:
                g.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
            return QueryResult("CONSTRUCT", graph=g)
        result = outcome["result"]
        if result.kind == "SELECT":  # terms met again (an agency, a datatype) are made once
            cache: dict = {}
            result.rows = [{n: _cached(cache, t) for n, t in row.items()} for row in result.rows]
        return result

    def select_plain(self, text: str, *, timeout: float = 300.0) -> list[dict]:
        ox = _ox()

        def evaluate() -> dict:
            try:
                result = self._store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
                if not isinstance(result, ox.QuerySolutions):
                    raise DataError("expected a SELECT query")
                names = [v.value for v in result.variables]
                return {"rows": [{n: t.value for n, t in zip(names, s) if t is not None} for s in _until(result, stop)]}
            except BaseException as exc:  # reported by the caller's thread (see query())
                return {"error": exc.with_traceback(None)}

        stop = threading.Event()
        return _in_thread(evaluate, timeout, stop)["rows"]

    def select_native(self, text: str) -> list:
        """Run a SELECT query on pyoxigraph directly (no checks, no conversion): the baseline
        the benchmark compares :meth:`query` with."""
        return [list(s) for s in self._store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)]

    def export(self, fmt: str, output: BinaryIO) -> None:
        """Stream ``fmt`` from the store to ``output`` (Oxigraph serialises, in Rust).

        ``nquads`` and ``trig``: every graph, the ontology included (as the in-memory
        exports). ``ntriples``: the triples of every graph but the ontology, each once.
        ``turtle``: the same triples, one prefixed Turtle block per graph (a triple two
        sources state is written in both blocks: the document's graph is the same). The
        order is Oxigraph's (the same data gives the same bytes); the in-memory exports
        sort theirs. Oxigraph keeps values, not lexical forms: ``200000000.0`` comes back
        as ``200000000`` and ``xsd:nonNegativeInteger`` as ``xsd:integer``.
        """
        ox = _ox()
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"format '{fmt}' is not streamed from a store (use one of {', '.join(EXPORT_FORMATS)})")
        prefixes = dict(PREFIXES)
        if fmt == "nquads":
            self._store.dump(output, ox.RdfFormat.N_QUADS)
            return
        if fmt == "trig":
            output.write(header_bytes())
            self._store.dump(output, ox.RdfFormat.TRIG, prefixes=prefixes)
            return
        graphs = [ox.NamedNode(g) for g in self.named_graphs() if g != ONTOLOGY_GRAPH_IRI]
        if fmt == "turtle":
            output.write(header_bytes())
            for g in graphs:
                self._store.dump(output, ox.RdfFormat.TURTLE, from_graph=g, prefixes=prefixes)
            return
        if graphs:
            self._store.query("CONSTRUCT WHERE { ?s ?p ?o }", default_graph=graphs).serialize(
                output, ox.RdfFormat.N_TRIPLES)

    def hold(self, handle) -> None:
        """Keep ``handle`` (a lock on this generation) open until :meth:`close`."""
        self._held = handle

    def close(self) -> None:
        store = getattr(self, "_store", None)
        if store is not None and not self.read_only:
            try:
                store.flush()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        self._store = None
        held = getattr(self, "_held", None)
        if held is not None:
            held.close()
            self._held = None


class _Stopped(Exception):
    pass


def _until(results, stop: threading.Event):
    """The solutions of ``results`` until ``stop`` is set (then :class:`_Stopped`)."""
    for item in results:
        if stop.is_set():
            raise _Stopped
        yield item


def _in_thread(evaluate: Callable[[], dict], timeout: float, stop: threading.Event, memory_mb: int = 0) -> dict:
    """Run ``evaluate`` (a query) in a thread and wait at most ``timeout`` seconds, and
    while the process grows by at most ``memory_mb`` MB (its resident memory, read ten
    times a second; 0: no limit).

    Oxigraph evaluates without Python's lock, so the wait can end. Past the time or the
    memory, ``stop`` is set: the query ends at its next solution (one still computing an
    aggregate runs to the end of that step in the background; the command exits then).
    ``evaluate`` returns ``{"error": exc}`` or its results."""
    import time

    from graph.query import QueryMemoryLimit, QueryTimeout

    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(evaluate()), name="kg-query", daemon=True)
    base = _resident() if memory_mb else None
    deadline = time.monotonic() + timeout
    worker.start()
    while True:
        left = deadline - time.monotonic()
        worker.join(max(0.0, min(left, 0.1)) if base is not None else max(0.0, left))
        if not worker.is_alive() or left <= 0:
            break
        if base is not None and _resident() - base > memory_mb << 20:
            stop.set()
            raise QueryMemoryLimit(f"query stopped: it used more than {memory_mb:,} MB "
                                   "(raise it with KG_QUERY_MEMORY, in MB)")
    if worker.is_alive():
        stop.set()
        raise QueryTimeout(f"query stopped after {timeout:g} s (raise it with --timeout)")
    exc = box.get("error")
    if exc is not None:
        if isinstance(exc, GraphError):
            raise exc
        if isinstance(exc, SyntaxError):
            from graph.query import syntax_error

            raise syntax_error(exc) from None
        raise GraphError(f"query failed: {str(exc).splitlines()[0][:300]}") from None
    return box


def _resident() -> int:
    """This process's resident memory in bytes (Linux ``/proc``; elsewhere the peak)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _cached(cache: dict, term):
    key = (type(term), term.value, getattr(term, "datatype", None) and term.datatype.value,
           getattr(term, "language", None))
    found = cache.get(key)
    if found is None:
        found = cache[key] = to_rdflib(term)
    return found
