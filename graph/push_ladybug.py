"""``kg push --ladybug PATH``: a LadybugDB database file holding the property graph,
replaced atomically.

The tables of :mod:`graph.exporters.ladybug` are written as files (Parquet from a store,
CSV from a graph in memory) into a temporary folder beside ``PATH``, loaded by LadybugDB's
``COPY`` (its bulk loader) into a new database there, counted against the property graph,
closed, and the database file is then renamed over ``PATH`` (one ``rename``: atomic on
one file system). A push that fails half-way leaves ``PATH`` as it was and removes its
temporary folder. Needs the ``ladybug`` package, and ``pyarrow`` from a store (``pip
install ladybug pyarrow``, or ``pip install '.[ladybug]'`` from a checkout). ``kg push
--ladybug`` uses :func:`push_ladybug_store`: the tables' files are streamed from the store
(:mod:`graph.exporters.ladybug_stream`, the facts read by two processes on two cores), not
built from the graph in memory, and each file is loaded, in a thread of its own, while
the next one is written.

Example
-------
>>> import tempfile, pathlib, ladybug
>>> from graph import build
>>> path = pathlib.Path(tempfile.mkdtemp()) / "kg.lbdb"
>>> push_ladybug(build("data"), path).target == str(path)
True
>>> conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
>>> conn.execute("MATCH (n:Entity {id: 'openai'}) RETURN n.label").get_all()
[['OpenAI']]
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from graph.errors import PushError
from graph.push import PushResult

__all__ = ["push_ladybug", "push_ladybug_store", "load_folder", "ROWS_PER_FILE", "BUFFER_POOL"]

#: rows of each file of the tables that one COPY loads (kg push --ladybug from a store):
#: a COPY into a table that holds rows costs more the more it holds (10,000 awards in
#: parts of 2,000 rows: 15.2 s against 5.1 s whole), so parts are as large as the pool takes
ROWS_PER_FILE = 100_000
#: bytes of LadybugDB's buffer pool for that push (LadybugDB's default: most of the memory;
#: one COPY of 100,000 rows of a table of contracts needs about 3 GB)
BUFFER_POOL = 4 << 30


class _Loader:
    """LadybugDB statements run in order in a thread of their own (LadybugDB lets go of
    Python's lock while it runs one), so the files are loaded while the next ones are
    written; an error is raised by the next :meth:`run` or by :meth:`finish`."""

    def __init__(self, conn, progress: Callable[[int], None] | None = None):
        import queue
        import threading

        self.conn, self.progress = conn, progress
        self.queue: queue.Queue = queue.Queue()
        self.error: BaseException | None = None
        self.count = 0
        self.thread = threading.Thread(target=self._work, name="ladybug-copy", daemon=True)  # started by run

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            statements, step = item
            if self.error is not None:
                continue
            try:
                for statement in statements:
                    self.conn.execute(statement)
                    self.count += 1
                if step and self.progress:
                    self.progress(1)
            except BaseException as exc:  # noqa: BLE001 - raised in the writing thread
                self.error = exc

    def run(self, *statements: str, step: bool = False) -> None:
        """Queue ``statements`` (``step``: one more file loaded, for ``progress``)."""
        if self.error is not None:
            raise self.error
        if not self.thread.is_alive():
            self.thread.start()
        self.queue.put((statements, step))

    def finish(self, *, check: bool = True) -> int:
        """Wait for the statements queued; the number run (``check``: raise the error of
        one that failed)."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if check and self.error is not None:
            raise self.error
        return self.count


def load_folder(conn, folder: Path, tables, progress: Callable[[int], None] | None = None) -> int:
    """Create ``tables`` in the LadybugDB connection ``conn`` and ``COPY`` their files from
    ``folder``; returns the number of statements run."""
    from graph.exporters.ladybug import copy_statement, ddl

    loader = _Loader(conn, progress)
    prefix = str(folder.resolve()) + os.sep
    loader.run(*(ddl(t) for t in tables))
    for t in tables:
        for filename, pair in t.files():
            loader.run(copy_statement(t, filename, pair, prefix), step=True)
    return loader.finish()


def _ladybug():
    try:
        import ladybug
    except ImportError:
        raise PushError("kg push --ladybug needs the ladybug package: pip install ladybug") from None
    return ladybug


def _push(path: str | Path, write_files: Callable[[Path, Callable], tuple],
          progress: Callable[[int], None] | None, *, buffer_pool: int | None = None) -> PushResult:
    """Write the tables' files into a temporary folder beside ``path`` and load them into a
    new database there (``write_files(folder, connect)`` does both, ``connect()`` the new
    database's connection, made on the first call, and returns the numbers of nodes and
    relationships and of statements run), count, and rename it over ``path``."""
    ladybug = _ladybug()
    path = Path(path)
    if path.is_dir():
        raise PushError(f"{path}: is a folder, not a LadybugDB database file")
    if not path.parent.is_dir():
        raise PushError(f"{path}: no folder {path.parent}")
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{path.name}.kg-push-", dir=path.parent))
    except OSError as exc:
        raise PushError(f"{path}: cannot write beside it: {exc.strerror}") from None
    try:
        db_file = work / "db.lbdb"
        opened: list = []

        def connect():  # the database made when first wanted: after the store's readers have forked
            if not opened:
                db = ladybug.Database(str(db_file), **({"buffer_pool_size": buffer_pool} if buffer_pool else {}))
                opened.extend([db, ladybug.Connection(db)])
            return opened[1]

        try:
            want_nodes, want_rels, statements = write_files(work, connect)
            conn = connect()
            nodes = conn.execute("MATCH (n) RETURN count(n)").get_all()[0][0]
            rels = conn.execute("MATCH ()-[r]->() RETURN count(r)").get_all()[0][0]
        finally:
            for x in reversed(opened):
                x.close()
        if (nodes, rels) != (want_nodes, want_rels):
            raise PushError(f"{path}: LadybugDB holds {nodes} nodes and {rels} relationships of the "
                            f"{want_nodes} and {want_rels} loaded; left unchanged")
        os.replace(db_file, path)
    except PushError:
        raise
    except (RuntimeError, OSError) as exc:  # LadybugDB raises RuntimeError
        detail = " ".join(str(getattr(exc, "strerror", None) or exc).split())[:300]
        raise PushError(f"{path}: LadybugDB: {detail}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return PushResult(str(path), want_nodes + want_rels, statements, "ladybug")


def push_ladybug(kg, path: str | Path, *, pg=None, progress: Callable[[int], None] | None = None) -> PushResult:
    """Replace the LadybugDB database file ``path`` with the property graph of ``kg`` (held
    in memory: a graph read back, or built).

    Raises :class:`PushError` (``path`` is then unchanged).
    """
    from graph.exporters.ladybug import table_csv, tables
    from graph.exporters.property_graph import property_graph

    _ladybug()
    pg = pg if pg is not None else property_graph(kg)

    def write_files(work: Path, connect):
        ts = tables(pg)
        for t in ts:
            for filename, pair in t.files():
                with open(work / filename, "w", encoding="utf-8", newline="") as out:
                    out.writelines(table_csv(t, pair))
        return len(pg.nodes), len(pg.edges), load_folder(connect(), work, ts, progress)

    return _push(path, write_files, progress)


def push_ladybug_store(store, path: str | Path, *, batch: int | None = None, rows_per_file: int = ROWS_PER_FILE,
                       progress: Callable[[str | None], None] | None = None) -> PushResult:
    """Replace the LadybugDB database file ``path`` with the property graph of ``store`` (an
    Oxigraph store), streamed: the tables' files are written a batch of facts at a time by
    :func:`graph.exporters.ladybug_stream.write_tables` (the rows of the files of the graph
    read back, as Parquet: LadybugDB's COPY of them costs a quarter of the CSV's), so memory
    stays flat at a million awards; the files are cut into parts of ``rows_per_file`` rows,
    each loaded by its own COPY then a CHECKPOINT (in a thread, while the next part is
    written), in a buffer pool of :data:`BUFFER_POOL` bytes (one COPY of a whole table at
    100,000 awards needs about 3 GB; a 1 GB pool refuses it; memory stays bounded by the
    parts' size, not the graph's). Another backend
    (``sparql:URL``) is read back whole (:func:`graph.store.readback.knowledge_graph`, up to its limit).
    ``progress(message)`` names each step (:class:`graph.progress.Steps`).

    >>> import tempfile, pathlib, ladybug
    >>> from graph.store import open_store
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "store.lbdb"
    >>> with open_store(data_dir="data") as store:
    ...     result = push_ladybug_store(store, path)
    >>> conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
    >>> conn.execute("MATCH (n:Entity {id: 'dod'}) RETURN n.kind").get_all()
    [['GovernmentAgency']]

    Raises :class:`PushError` (``path`` is then unchanged).
    """
    from graph.exporters.ladybug_stream import BATCH, write_tables

    _ladybug()
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise PushError("kg push --ladybug needs the pyarrow package: pip install pyarrow") from None
    if getattr(store, "oxigraph", None) is None:
        from graph.store.readback import knowledge_graph

        return push_ladybug(knowledge_graph(store, what="kg push --ladybug"), path)

    def write_files(work: Path, connect):
        from graph.exporters.ladybug import copy_statement, ddl

        loader, prefix = _Loader(None), str(work.resolve()) + os.sep

        def on_tables(ts) -> None:  # the passes done (no process forks after this)
            loader.conn = connect()
            loader.run(*(ddl(t) for t in ts))

        try:  # each file loaded (COPY, then CHECKPOINT) while the next ones are written
            written = write_tables(store, work, batch=batch or BATCH, rows_per_file=rows_per_file, parquet=True,
                                   progress=progress, on_tables=on_tables,
                                   on_file=lambda t, name, pair: loader.run(copy_statement(t, name, pair, prefix),
                                                                            "CHECKPOINT"))
        except BaseException:
            loader.finish(check=False)
            raise
        if progress:
            progress("ladybug: loading the last files (COPY)")
        return written.nodes, written.relationships, loader.finish()

    try:
        return _push(path, write_files, None, buffer_pool=BUFFER_POOL)
    finally:
        if progress:
            progress(None)
