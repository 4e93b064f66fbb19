"""The LadybugDB tables of a store's graph, written a batch of facts at a time.

:func:`graph.exporters.ladybug.generate_ladybug` builds the whole property graph in memory
(every quad read back into rdflib and networkx: about 1.5 GB at 10,000 awards).
:func:`write_tables` writes the same files, byte for byte, from an Oxigraph store at any
size, for ``kg push --ladybug``:

1. the ``rdf:type`` index is read once (an iterator over the store): every entity, source
   and fact, spilled to sorted runs on disk;
2. each batch of facts (sorted by IRI) is read from the store with its citations, the
   sources they cite, its amounts and the entities and facts it names (one index lookup per
   subject), and goes through the same code as the whole graph (:func:`graph.views.full_view`,
   :func:`graph.views.actor_view`, :func:`graph.exporters.property_graph.pg_node`, ...):
   a fact's node, edges and direct actor edges only depend on that neighbourhood;
3. what does depend on the whole graph is computed on the side: each actor's degree
   centrality from the distinct pairs of actors (spilled and sorted on disk), and the
   assertions, read first (there are few);
4. the rows of every table go to an external merge sort (runs of at most ``budget``
   bytes) and are written in the order of the in-memory export, once the
   typed columns of each table are known.

So memory holds one batch and the sort buffers, whatever the number of awards; the disk
holds the runs (about the size of the CSV files) while the files are written.

Example
-------
>>> import tempfile, pathlib
>>> from graph.store import open_store
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with open_store(data_dir="data") as store:
...     written = write_tables(store, folder)
>>> [t.name for t in written.tables][:4]
['Entity', 'Fact', 'Source', 'ABOUT']
>>> (folder / "nodes_Entity.csv").read_text(encoding="utf-8").startswith("id,")
True
"""

from __future__ import annotations

import heapq
import marshal
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import networkx as nx
from rdflib import RDF, BNode, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from graph.errors import DataError, ExportError
from graph.exporters.ladybug import (
    NODE_TABLES,
    ColumnTypes,
    Table,
    check_edge_type,
    csv_header,
    csv_line,
    node_row,
    write_parquet,
)
from graph.exporters.property_graph import pg_actor_edge, pg_full_edge, pg_node
from graph.rdf import ONTOLOGY_GRAPH
from graph.views import _Reader, actor_view, full_view
from ontology.vocab import DAI

__all__ = ["write_tables", "write_folder", "Written", "Spool", "BATCH", "BUDGET", "WORKERS", "forked"]

#: facts (or entities, or sources) read from the store at a time
BATCH = 500
#: bytes of records a sort buffer holds before it is spilled to a run on disk
BUDGET = 8_000_000
#: seconds a forked share may take beyond 4 x share 0's time before it is taken as stuck
PATIENCE = 120.0
_LENGTH = struct.Struct("<I")

_BASE_TABLE = {"entity": "Entity", "fact": "Fact", "source": "Source"}
_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_TYPE = RDF.type


# ------------------------------------------------------------------------- sorting on disk


class Spool:
    """Records ``(key, value)`` sorted by key through disk: an external merge sort.

    Keys are strings or lists of strings, values anything :mod:`marshal` holds (strings,
    numbers, booleans, lists, dicts). At most ``budget`` bytes of records are kept in
    memory; past that the buffer is sorted and written as a run (each record marshalled,
    after its length). Iterating merges the runs and the buffer (it can be done more than
    once); with ``unique``, a key seen again is skipped.

    >>> import tempfile
    >>> s = Spool(Path(tempfile.mkdtemp()), "x", budget=10)
    >>> for k in ["b", "a", "c", "a"]:
    ...     s.add(k, k.upper())
    >>> [tuple(r) for r in s.iter(unique=True)], len(s.runs) > 1
    ([('a', 'A'), ('b', 'B'), ('c', 'C')], True)
    """

    def __init__(self, folder: Path, name: str, budget: int = BUDGET):
        self.folder, self.name, self.budget = folder, name, budget
        self.buffer: list = []
        self.size = 0
        self.runs: list[Path] = []
        self.count = 0

    def add(self, key, value=None) -> None:
        record = marshal.dumps([key, value])
        self.buffer.append((key, record))
        self.size += len(record)
        self.count += 1
        if self.size > self.budget:
            self._spill()

    def detach(self) -> tuple[list[str], int]:
        """The buffer spilled: ``(runs, count)``, what :meth:`absorb` of another process's
        spool of the same records takes (:func:`forked`)."""
        if self.buffer:
            self._spill()
        return [str(r) for r in self.runs], self.count

    def absorb(self, runs: list[str], count: int) -> None:
        """Take the records of another spool (its :meth:`detach`): its runs join the merge."""
        self.runs.extend(Path(r) for r in runs)
        self.count += count

    def _spill(self) -> None:
        self.buffer.sort(key=itemgetter(0))
        path = self.folder / f"{self.name}.{len(self.runs)}.run"  # absorbed runs are in other folders
        pack = _LENGTH.pack
        with open(path, "wb") as out:
            for _key, record in self.buffer:
                out.write(pack(len(record)))
                out.write(record)
        self.runs.append(path)
        self.buffer, self.size = [], 0

    @staticmethod
    def _read(f) -> Iterator[list]:
        read, unpack, loads = f.read, _LENGTH.unpack, marshal.loads
        while head := read(4):
            yield loads(read(unpack(head)[0]))

    def iter(self, unique: bool = False) -> Iterator[list]:
        """``[key, value]`` in key order."""
        self.buffer.sort(key=itemgetter(0))
        files = [open(p, "rb") for p in self.runs]
        try:
            streams = [self._read(f) for f in files]
            streams.append(marshal.loads(record) for _key, record in self.buffer)
            last = object()
            for record in heapq.merge(*streams, key=itemgetter(0)):
                if unique and record[0] == last:
                    continue
                last = record[0]
                yield record
        finally:
            for f in files:
                f.close()


# ------------------------------------------------------------------------- reading the store


class _Quads:
    """What :class:`graph.views._Reader` reads: ``quads()`` of a list of rdflib quads."""

    def __init__(self, quads: list):
        self._quads = quads

    def quads(self, _pattern=None):
        return iter(self._quads)


def _iri(value: str) -> URIRef:
    """``URIRef(value)`` of an IRI the store holds (so valid: not checked again).

    >>> _iri("http://example.org/a") == URIRef("http://example.org/a")
    True
    """
    return str.__new__(URIRef, value)


def _text(value: str, language: str | None) -> Literal:
    """``Literal(value, lang=language)`` of a string the store holds, as rdflib makes it (its
    value the text itself, no datatype), without rdflib's parsing of a lexical form.

    >>> lit = _text("fusée", "fr")
    >>> lit == Literal("fusée", lang="fr"), lit.value, _text("x", None) == Literal("x")
    (True, 'fusée', True)
    """
    lit = str.__new__(Literal, value)
    lit._language, lit._datatype, lit._value, lit._ill_typed = language, None, value, None
    return lit


class _Neighbourhood:
    """rdflib quads of chosen subjects of an Oxigraph store, one index lookup each (those
    of subjects many facts name, entities and sources, kept in a bounded cache)."""

    def __init__(self, ox, pyoxigraph, cache_size: int = 20_000):
        self.ox, self.px = ox, pyoxigraph
        self.cache: dict = {}
        self.cache_size = cache_size
        self.terms: dict = {}
        self.supports = pyoxigraph.NamedNode(str(DAI.supports))
        self.ontology_graph = pyoxigraph.NamedNode(str(ONTOLOGY_GRAPH))

    def term(self, t):
        """A pyoxigraph term as rdflib's N-Quads parser gives it (as :mod:`graph.store.readback`:
        a whole xsd:decimal keeps its ``.0``); kept in a bounded cache keyed by the term."""
        found = self.terms.get(t)
        if found is None:
            if len(self.terms) > 200_000:
                self.terms.clear()
            found = self.terms[t] = self._convert(t)
        return found

    def _convert(self, t):
        px = self.px
        kind = type(t)
        if kind is px.NamedNode:
            return _iri(t.value)
        if kind is px.Literal:
            return self._literal(t.value, t.language, t.datatype.value)
        if kind is px.BlankNode:
            return BNode(t.value)
        return DATASET_DEFAULT_GRAPH_ID  # the default graph

    @staticmethod
    def _literal(value: str, language: str | None, datatype: str):
        if language:
            return _text(value, language)
        if datatype == _XSD_STRING:
            return _text(value, None)
        if datatype == _DECIMAL and value.lstrip("-").isdigit() and value[:1] != "+":
            value += ".0"
        return Literal(value, datatype=URIRef(datatype))

    def quads(self, subject) -> list:
        """Every quad of ``subject`` (a pyoxigraph term) but the ontology's, as rdflib terms
        (the subject converted once; the other terms through :meth:`term`'s cache)."""
        terms, convert, ontology = self.terms, self._convert, self.ontology_graph
        out = []
        s = None
        for q in self.ox.quads_for_pattern(subject, None, None, None):
            subj, p, o, g = q
            if g == ontology:
                continue
            if s is None:
                s = self.term(subj)
            tp, to, tg = terms.get(p), terms.get(o), terms.get(g)
            if tp is None:
                tp = terms[p] = convert(p)
            if to is None:
                to = terms[o] = convert(o)
            if tg is None:
                tg = terms[g] = convert(g)
            out.append((s, tp, to, tg))
        if len(terms) > 200_000:
            terms.clear()
        return out

    def cached(self, subject) -> list:
        key = (type(subject), subject.value)
        found = self.cache.get(key)
        if found is None:
            if len(self.cache) >= self.cache_size:
                self.cache.clear()
            found = self.cache[key] = self.quads(subject)
        return found

    def supporting(self, fact) -> list:
        """The citations that support ``fact`` (pyoxigraph terms)."""
        return [q.subject for q in self.ox.quads_for_pattern(None, self.supports, fact, None)]


def forked(task: Callable[[int], object], shares: int, again: Callable[[int], object] | None = None, *,
           patience: float = PATIENCE) -> list:
    """``[task(0), ..., task(shares - 1)]``, share 0 in this process and each other share in
    a process of its own, forked (it sees this process's state; what it returns is pickled
    back): on two cores, two shares of the work at once. An exception of a share is raised
    here (the others are then stopped). A share whose process stops without an answer (a
    crash: a library's threads do not survive a fork) is done here by ``again(i)``, when
    given (its result in the list), else raises :class:`ExportError`. So is a share whose
    process has not answered ``4 x`` the time share 0 took here plus ``patience`` seconds
    after it (the shares are the same size and run at once: such a process is stuck, on a
    lock a thread held when the process forked); it is killed first.

    >>> forked(lambda i: i * i, 3)
    [0, 1, 4]
    """
    import multiprocessing as mp

    if shares <= 1 or "fork" not in mp.get_all_start_methods():
        return [task(i) for i in range(shares)]
    ctx = mp.get_context("fork")
    children = []
    try:
        for i in range(1, shares):
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_share, args=(task, i, send), daemon=True)
            proc.start()
            send.close()
            children.append((proc, recv))
        started = time.monotonic()
        results = [task(0)]
        deadline = time.monotonic() + 4 * (time.monotonic() - started) + patience
        for proc, recv in children:
            try:
                if not recv.poll(max(0.0, deadline - time.monotonic())):
                    proc.kill()  # stuck: not a signal it could be stuck handling
                    proc.join()
                    raise EOFError
                ok, value = recv.recv()
            except EOFError:
                proc.join()
                if again is None:
                    raise ExportError(f"a worker process stopped (exit code {proc.exitcode})") from None
                results.append(again(len(results)))
                continue
            proc.join()
            if not ok:
                raise value
            results.append(value)
        return results
    finally:
        for proc, recv in children:
            if proc.is_alive():
                proc.terminate()
                proc.join()
            recv.close()


def _share(task, i: int, send) -> None:
    """Run share ``i`` of :func:`forked` and send ``(ok, result or exception)``."""
    import pickle

    try:
        result = (True, task(i))
    except BaseException as exc:  # noqa: BLE001 - raised again in the parent
        try:
            pickle.dumps(exc)
            result = (False, exc)
        except Exception:  # noqa: BLE001
            result = (False, ExportError(f"{type(exc).__name__}: {exc}"))
    send.send(result)
    send.close()


#: processes that share the work of :func:`write_tables` (on 2 cores: 2)
WORKERS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class _View:
    """The part of :class:`~graph.builder.KnowledgeGraph` the property graph reads."""

    records: _Reader
    full: nx.MultiDiGraph
    actors: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)


def _fact_view(hood: _Neighbourhood, facts: list) -> _View:
    """The views of a batch of facts (pyoxigraph NamedNodes) and of their neighbourhood."""
    quads: list = []
    seen: set = set()

    def take(subject, cached: bool = False) -> list:
        key = (type(subject), subject.value)
        if key in seen:
            return []
        seen.add(key)
        got = hood.cached(subject) if cached else hood.quads(subject)
        quads.extend(got)
        return got

    named, cites, prefix = [], DAI.cites, None
    for fact in facts:
        own = take(fact)
        for citation in hood.supporting(fact):
            for _s, p, o, _g in take(citation):
                if p == cites and isinstance(o, URIRef):
                    named.append((o, True))
        prefix = fact.value + "/"
        for _s, p, o, _g in own:
            if p != _RDF_TYPE and isinstance(o, URIRef | BNode):
                named.append((o, not o.startswith(prefix)))
    px = hood.px
    for o, shared in named:
        take(px.NamedNode(str(o)) if isinstance(o, URIRef) else px.BlankNode(str(o)), cached=shared)
    reader = _Reader(_Quads(quads))
    return _View(reader, full_view(None, reader), actor_view(None, reader))


# ------------------------------------------------------------------------- the tables


@dataclass
class Written:
    """What :func:`write_tables` wrote: the tables (a relationship table's ``rows`` maps each
    pair of node tables to its number of rows), and the numbers of nodes and relationships."""

    tables: list[Table]
    nodes: int
    relationships: int
    #: ``(table, file name, pair)`` of every file written, in the order to load them
    files: list = field(default_factory=list)


class _Rows:
    """The rows of every table, sorted on disk, and their typed columns."""

    def __init__(self, folder: Path, budget: int):
        self.folder, self.budget = folder, budget
        self.spools: dict = {}
        self.columns: dict[str, ColumnTypes] = {}

    def _spool(self, key) -> Spool:
        found = self.spools.get(key)
        if found is None:
            name = "-".join(x for x in (key if isinstance(key, tuple) else (key,)) if x)
            found = self.spools[key] = Spool(self.folder, name, self.budget)
        return found

    def _cols(self, table: str) -> ColumnTypes:
        found = self.columns.get(table)
        if found is None:
            found = self.columns[table] = ColumnTypes(f"table {table}")
        return found

    def node(self, n) -> None:
        table, ident, props = node_row(n)
        self._cols(table).add(props)
        self._spool(table).add(ident, props)

    def edge(self, e, pair: tuple[str, str]) -> None:
        check_edge_type(e)
        self._cols(e.type).add(e.properties)
        self._spool((e.type, *pair)).add([e.source, e.target, e.key], e.properties)

    def detach(self) -> tuple[dict, dict]:
        """What another process's :meth:`absorb` takes: the spools' runs, the columns' types."""
        return ({key: spool.detach() for key, spool in self.spools.items()},
                {name: cols.types for name, cols in self.columns.items()})

    def absorb(self, state: tuple[dict, dict]) -> None:
        spools, columns = state
        for key, (runs, count) in spools.items():
            self._spool(key).absorb(runs, count)
        for name, types in columns.items():
            self._cols(name).absorb(types)

    def tables(self) -> list[Table]:
        out = [Table(name, "NODE", self._cols(name).columns(), {None: self._spool(name).count})
               for name in NODE_TABLES]
        rels: dict = {}
        for key, spool in self.spools.items():
            if isinstance(key, tuple):
                rels.setdefault(key[0], {})[key[1:]] = spool.count
        for name in sorted(rels):
            out.append(Table(name, "REL", self._cols(name).columns(), dict(sorted(rels[name].items()))))
        return out

    def write(self, table: Table, folder: Path, rows_per_file: int | None = None,
              parquet: bool = False, on_file=None) -> list[tuple[str, tuple | None]]:
        """Write the files of ``table``; with ``rows_per_file``, each file is cut into parts
        of that many rows (``nodes_Fact.part1.csv``, ...), each with the header; with
        ``parquet``, the parts are Parquet files of the same rows
        (:func:`graph.exporters.ladybug.write_parquet`: what ``kg push --ladybug`` loads,
        four times cheaper for LadybugDB's COPY than the CSV); ``on_file(table, file name,
        pair)`` is called as each file is closed. Returns the ``(file name, pair)`` written,
        in order."""
        written = []
        for filename, pair in table.files():
            if parquet:
                filename = filename.replace(".csv", ".parquet")
            spool = self._spool(table.name if pair is None else (table.name, *pair))
            part, out, rows, count, last = 0, None, [], 0, None  # a CSV part is written as it goes

            def close(out, rows: list) -> None:  # the part begun last
                if parquet:
                    write_parquet(table, folder / written[-1][0], rows)
                if out is not None:
                    out.close()
                if on_file:
                    on_file(table, *written[-1])

            try:
                for key, props in spool.iter():
                    if key == last:
                        raise ExportError(f"two rows of table {table.name} have the key {'|'.join(key)}")
                    last = key
                    if not count or (rows_per_file and count >= rows_per_file):
                        if count:
                            close(out, rows)
                            out = None
                        part, rows, count = part + 1, [], 0
                        name = filename if not rows_per_file else filename.replace(".", f".part{part}.", 1)
                        written.append((name, pair))
                        if not parquet:
                            out = open(folder / name, "w", encoding="utf-8", newline="")
                            out.write(csv_header(table))
                    ident = key if pair is None else (key[0], key[1])
                    if parquet:
                        rows.append((ident, props))
                    else:
                        out.write(csv_line(table, ident, props))
                    count += 1
                if not count:  # an empty table: its header only
                    written.append((filename, pair))
                    if not parquet:
                        out = open(folder / filename, "w", encoding="utf-8", newline="")
                        out.write(csv_header(table))
                close(out, rows)
                out = None
            finally:
                if out is not None:
                    out.close()
        return written


def _grouped(records: Iterable[list]) -> Iterator[tuple]:
    """``(key, [values])`` of sorted records, one per key."""
    key, values = None, []
    for k, v in records:
        if values and k != key:
            yield key, values
            values = []
        key = k
        values.append(v)
    if values:
        yield key, values


def _degrees(pairs: Spool) -> Iterator[tuple[str, int]]:
    """``(actor, degree)`` in the simple undirected actor graph (a loop counts twice, as in
    networkx), sorted by actor, from both directions of every pair, spooled."""
    for actor, others in _grouped((a, b) for (a, b), _none in pairs.iter(unique=True)):
        yield actor, sum(2 if b == actor else 1 for b in others)


def write_tables(store, folder: str | Path, *, batch: int = BATCH, budget: int = BUDGET,
                 rows_per_file: int | None = None, parquet: bool = False,
                 progress: Callable[[str | None], None] | None = None, workers: int | None = None,
                 on_tables: Callable[[list[Table]], None] | None = None,
                 on_file: Callable[[Table, str, tuple | None], None] | None = None) -> Written:
    """Write the CSV files of the LadybugDB tables of ``store``'s graph into ``folder``.

    The same files as :func:`graph.exporters.ladybug.generate_ladybug` of the graph read
    back (tests compare them byte for byte), streamed from the store (see the module
    docstring). With ``rows_per_file``, each file is cut into parts of that many rows (what
    ``kg push --ladybug`` loads one COPY at a time); with ``parquet``, the files are Parquet
    files of the same rows (``nodes_Fact.part1.parquet``, ...; what the push loads).
    ``progress(message)`` names each step (:class:`graph.progress.Steps`). ``workers``
    processes share the facts (:data:`WORKERS` by default; the files are the same for any
    number). ``on_tables(tables)`` is called once the tables are known, before their files
    are written, and ``on_file(table, file name, pair)`` as each file is closed (what ``kg
    push --ladybug`` loads while the next files are written). Raises
    :class:`~graph.errors.ExportError` as the
    in-memory export does, and
    :class:`~graph.errors.DataError` for a store that is not an Oxigraph store.
    """
    ox = getattr(store, "oxigraph", None)
    if ox is None:
        raise DataError(f"{store.spec}: the LadybugDB tables stream from an Oxigraph store only")
    import pyoxigraph as px

    folder = Path(folder)
    work = Path(tempfile.mkdtemp(prefix=".kg-sort-", dir=folder))
    try:
        return _write(ox, px, folder, work, batch, budget, rows_per_file, progress or (lambda _m: None), parquet,
                      WORKERS if workers is None else workers, getattr(store, "path", None), on_tables, on_file)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_folder(store, path: str | Path, *, batch: int = BATCH, budget: int = BUDGET,
                 progress: Callable[[str | None], None] | None = None) -> Written:
    """``kg export -f ladybug -o PATH`` streamed from ``store``: the tables' files and the
    two scripts, the folder of :func:`graph.exporters.ladybug.generate_ladybug` byte for
    byte, written into a temporary folder beside ``path`` that then replaces it (as
    :func:`graph.atomic.write_folder_atomic`)."""
    import os

    from graph.atomic import write_text_atomic
    from graph.exporters.ladybug import scripts

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    old = None
    try:
        written = write_tables(store, tmp, batch=batch, budget=budget, progress=progress)
        for name, text in scripts(written.tables).items():
            write_text_atomic(tmp / name, text)
        os.chmod(tmp, 0o755)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not path.exists() and (old / path.name).exists():
            os.replace(old / path.name, path)  # the previous folder back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return written


def _write(ox, px, folder: Path, work: Path, batch: int, budget: int, rows_per_file, progress,
           parquet: bool = False, workers: int = 1, path=None, on_tables=None, on_file=None) -> Written:
    from graph.exporters.pg_stream import Visitor, walk

    class Tables(Visitor):
        """Every node and edge of the walk, a row of its LadybugDB table."""

        def __init__(self):
            self.rows = _Rows(work, budget)

        def worker(self, folder: Path) -> None:
            self.rows = _Rows(folder, budget)

        def detach(self):
            return self.rows.detach()

        def absorb(self, state) -> None:
            self.rows.absorb(state)

        def fact(self, view, node, attrs):
            self.rows.node(pg_node(view, node, attrs))

        entity = source = fact

        def fact_edge(self, view, u, v, key, data):
            pair = ("Fact", _BASE_TABLE.get(view.full.nodes[v].get("node_type", "entity"), "Entity"))
            self.rows.edge(pg_full_edge(view, u, v, key, data), pair)

        def actor_edge(self, view, u, v, key, data):
            self.rows.edge(pg_actor_edge(view, u, v, key, data), ("Entity", "Entity"))

        def entity_edge(self, view, u, v, key, data):
            self.rows.edge(pg_full_edge(view, u, v, key, data), ("Entity", "Source"))

    visitor = Tables()
    walk(ox, px, work, visitor, batch=batch, budget=budget, progress=lambda m: progress(f"ladybug: {m}"),
         workers=workers, path=path)
    rows = visitor.rows
    progress("ladybug: writing the tables' files")
    tables = rows.tables()  # 6. the files, in the order of the in-memory export
    if on_tables:
        on_tables(tables)
    files = []
    for t in tables:
        for name, pair in rows.write(t, folder, rows_per_file, parquet, on_file):
            files.append((t, name, pair))
    progress(None)
    nodes = sum(t.rows[None] for t in tables if t.kind == "NODE")
    return Written(tables, nodes, sum(n for t in tables if t.kind == "REL" for n in t.rows.values()), files)
