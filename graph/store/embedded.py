"""The default engine: an embedded Oxigraph store kept as a cache of the data folder.

Every command reads the graph from an Oxigraph store. By default it lives in
``DATA/.kg/`` (git-ignored): it is derived from the data folder and nothing else, so
deleting it loses nothing (the next command builds it again). ``--store oxigraph:PATH``
puts the same kind of store somewhere else.

**Kept up to date, incrementally.** Before a command reads the store, :func:`sync`
compares the data folder with what the store says it holds (``kg-store.json``): the
curated YAML files are compiled and SHACL-validated again only when one of them (or the
ontology, the shapes, the code's version) changed; an imported ``*.nq`` / ``*.trig`` file
is loaded when it is new or changed and dropped when it was removed. When nothing changed,
nothing is written and the check costs a few file ``stat`` calls.

**Atomic.** A store folder holds generations: ``store-000001/``, ``store-000002/``, ...
and a ``current`` link to the one readers use. A sync never writes to the current
generation: it makes the next one as an Oxigraph checkpoint of it (hard links: instant,
and no second copy on disk), applies the changes there, and then replaces the link (one
``rename``). A crash or Ctrl-C half-way leaves the previous generation current and a
partial one that the next sync removes before doing the work again. An import
(``kg import``) streams into a new generation the same way. A generation's folder may also
hold ``kg-reasoned-rdfs/``, its checkpoint with the RDFS entailments, made by the first
``kg query --reason rdfs`` that reads it (:mod:`graph.store.reasoning`) and removed with it.

**Concurrent commands.** Writers take an exclusive lock (``PATH/write.lock``, ``flock``):
a second command that has to sync waits for the first, then finds nothing left to do.
Readers never wait: each holds a shared lock on the generation it opened, and an old
generation is removed only when no reader holds it (else by a later sync).

Example
-------
>>> import shutil, tempfile
>>> where = tempfile.mkdtemp()
>>> sync(where, "data")["curated"] > 1000
True
>>> sync(where, "data")                                   # nothing changed: nothing done
{'curated': 0, 'files': 0, 'removed': 0}
>>> with open_reader(where) as store:
...     store.query("ASK { id:openai a dai:Company }").boolean
True
>>> shutil.rmtree(where)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from graph.atomic import _fsync_dir
from graph.errors import DATA_NOT_FOUND, DataError
from graph.store.base import StoreError

__all__ = ["DEFAULT_DIR", "STATE_FILE", "default_path", "pending", "sync", "open_reader", "writer", "Generation"]

#: the engine's folder inside the data folder
DEFAULT_DIR = ".kg"
#: what a generation holds (files loaded, curated fingerprint), inside it
STATE_FILE = "kg-store.json"
_LINK = "current"
_WRITE_LOCK = "write.lock"
_READERS = "kg-readers.lock"
_GEN = re.compile(r"^store-(\d{6})\Z")
_RDF_SUFFIXES = {".nq": "nquads", ".trig": "trig", ".nq.gz": "nquads", ".trig.gz": "trig"}


def rdf_kind(path: Path) -> tuple[str, str] | None:
    """(format, name without the suffix) of a data file the store loads, else None.

    >>> rdf_kind(Path("imported/usaspending/Contracts_x.nq.gz")), rdf_kind(Path("notes.txt"))
    (('nquads', 'Contracts_x'), None)
    """
    for suffix in (".nq.gz", ".trig.gz", ".nq", ".trig"):
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            return _RDF_SUFFIXES[suffix], path.name[: -len(suffix)]
    return None
_FORMAT = 2

Progress = Callable[[str], None] | None


def default_path(data_dir: str | os.PathLike) -> Path:
    """Where the default engine of ``data_dir`` lives: ``DATA/.kg``."""
    return Path(data_dir) / DEFAULT_DIR


# ------------------------------------------------------------------ what changed


#: the modules that compile and validate the curated facts: a change to one compiles them again
_COMPILER = ("load.py", "model.py", "schema.py", "values.py", "rdf.py", "iris.py", "validate.py", "yamlio.py")


def _fingerprint(data_dir: Path) -> str:
    """What the curated graphs are built from: the YAML files, the ontology and shapes, the
    code that compiles and validates them."""
    from ontology import ontology_text, shapes_text

    h = hashlib.sha256(f"kg-curated {_FORMAT}\n".encode())
    here = Path(__file__).resolve().parent.parent
    for name in _COMPILER:
        try:
            h.update((here / name).read_bytes())
        except FileNotFoundError:
            pass
    h.update(ontology_text().encode("utf-8"))
    h.update(shapes_text().encode("utf-8"))
    for p in _yaml_files(data_dir):
        h.update(f"\n{p.relative_to(data_dir)}\n".encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _yaml_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in _walk(data_dir) if p.suffix in (".yaml", ".yml"))


def _walk(data_dir: Path) -> Iterator[Path]:
    """The files of the data folder, the engine's own folder left out."""
    for root, dirs, names in os.walk(data_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if not name.startswith("."):
                yield Path(root) / name


def _rdf_files(data_dir: Path) -> list[Path]:
    return sorted(p for p in _walk(data_dir) if rdf_kind(p))


def _stamp(path: Path) -> dict:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_state(gen: Path | None) -> dict:
    if gen is not None:
        try:
            state = json.loads((gen / STATE_FILE).read_text(encoding="utf-8"))
            if state.get("format") == _FORMAT:
                return state
        except (FileNotFoundError, ValueError):
            pass
    return {"format": _FORMAT, "data": "", "curated": {}, "files": {}}


def pending(path: str | os.PathLike, data_dir: str | os.PathLike) -> dict:
    """What :func:`sync` would do: ``{"curated": bool, "files": [new or changed paths],
    "removed": [paths no longer there]}``."""
    return _pending(_read_state(_current(Path(path))), Path(data_dir))


def _pending(state: dict, data_dir: Path) -> dict:
    todo: dict = {"curated": False, "files": [], "removed": []}
    if not data_dir.is_dir():
        raise DataError(DATA_NOT_FOUND, file=str(data_dir))
    same_folder = state.get("data") == str(data_dir.resolve())
    known = state.get("files", {}) if same_folder else {}
    has_yaml = bool(_yaml_files(data_dir))
    curated = state.get("curated", {}) if same_folder else {}
    if has_yaml:
        todo["curated"] = curated.get("fingerprint") != _fingerprint(data_dir)
    elif curated.get("graphs"):
        todo["curated"] = True  # the YAML files are gone: their graphs go too
    present = set()
    for p in _rdf_files(data_dir):
        key = str(p.resolve())
        present.add(key)
        was = known.get(key)
        if was is None or {k: was.get(k) for k in ("size", "mtime_ns")} != _stamp(p):
            todo["files"].append(p)
    todo["removed"] = sorted(k for k in state.get("files", {}) if k not in present)
    if not same_folder and state.get("curated", {}).get("graphs") and not has_yaml:
        todo["curated"] = True
    return todo


# ------------------------------------------------------------------ generations


def _current(path: Path) -> Path | None:
    """The generation readers use, or None before the first sync. (A ``current`` that is a
    folder, not a link, is a copy of one: a data folder copied with ``cp -r``.)"""
    link = path / _LINK
    try:
        name = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError:  # not a link
        return link if link.is_dir() else None
    gen = path / name
    return gen if gen.is_dir() else None


def _check_layout(path: Path) -> None:
    if (path / "CURRENT").is_file() and not (path / _LINK).exists():
        raise StoreError("this folder is an Oxigraph store made by an earlier version of kg (one generation, no "
                         f"'{_LINK}' link): remove it (it is rebuilt from the data folder) or choose another "
                         "--store path", file=str(path))
    if path.exists() and not path.is_dir():
        raise StoreError("not a folder", file=str(path))


@contextlib.contextmanager
def _write_lock(path: Path, progress: Progress) -> Iterator[None]:
    path.mkdir(parents=True, exist_ok=True)
    with open(path / _WRITE_LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if progress:
                progress(f"waiting for another kg command that is updating {path}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clean(path: Path) -> None:
    """Remove the generations that are not current and that no reader holds (partial ones
    left by a crash, old ones): called with the write lock held."""
    current = _current(path)
    for entry in sorted(path.iterdir()):
        if entry.name.startswith((".trash-", f"{_LINK}.tmp")):
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            continue
        if not _GEN.match(entry.name) or entry == current:
            continue
        lock = entry / _READERS
        try:
            handle = open(lock, "a+")
        except OSError:
            shutil.rmtree(entry, ignore_errors=True)
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader still has it: a later sync removes it
            trash = path / f".trash-{entry.name}"
            os.replace(entry, trash)
        shutil.rmtree(trash, ignore_errors=True)


class Generation:
    """The next generation of a store, being written (see :func:`writer`).

    ``store`` is a writable :class:`~graph.store.oxigraph.OxigraphStore`; ``state`` the
    record of what it holds (saved by :meth:`commit`)."""

    def __init__(self, path: Path, progress: Progress):
        from graph.store.oxigraph import OxigraphStore, _ox

        self.root = path
        self.progress = progress
        previous = _current(path)
        numbers = [int(m.group(1)) for e in path.iterdir() if (m := _GEN.match(e.name))]
        self.dir = path / f"store-{max(numbers, default=0) + 1:06d}"
        if previous is not None:
            with OxigraphStore(previous, read_only=True) as old:
                old.oxigraph.backup(str(self.dir))  # a checkpoint: hard links to the same files
        else:
            _ox()
        self.state = _read_state(previous)
        self.store = OxigraphStore(self.dir)
        self.changed = False

    def import_into(self, run):
        """Stream what the import ``run`` (an :class:`~graph.importers.base.ImportRun`)
        writes into this generation, replacing its source's previous version here; call
        ``commit()`` on the result after ``run.finish()``, ``abort()`` when it failed."""
        from graph.store.oxigraph import _Import

        return _Import(self, run)

    def record_file(self, path: str | os.PathLike, graphs: list[str]) -> None:
        """Remember that ``path`` (as it is now) is loaded, holding ``graphs`` (which no other
        file holds any more: an import's ``NAME.nq.gz`` replaces an older ``NAME.nq``)."""
        path = Path(path).resolve()
        files = self.state["files"]
        for key, info in list(files.items()):
            if key != str(path) and set(info.get("graphs", ())) & set(graphs):
                info["graphs"] = sorted(set(info["graphs"]) - set(graphs))
                if not info["graphs"]:
                    del files[key]
        files[str(path)] = {**_stamp(path), "graphs": sorted(graphs)}

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)

    def commit(self) -> None:
        """Save the state, close the store and make this generation the current one."""
        (self.dir / STATE_FILE).write_text(json.dumps(self.state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        self.store.close()
        (self.dir / _READERS).touch()
        _fsync_dir(self.dir)
        tmp = self.root / f"{_LINK}.tmp-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(self.dir.name, tmp)
        link = self.root / _LINK
        if link.is_dir() and not link.is_symlink():  # a copied generation (see _current)
            shutil.rmtree(link)
        os.replace(tmp, link)
        _fsync_dir(self.root)

    def discard(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)



@contextlib.contextmanager
def _next_generation(path: Path, progress: Progress) -> Iterator[Generation]:
    """The next generation, to be called with the write lock held: made current when the
    block ends without error, thrown away otherwise; old generations cleaned either side."""
    _clean(path)
    gen = Generation(path, progress)
    try:
        yield gen
    except BaseException:
        gen.discard()
        raise
    gen.commit()
    _clean(path)


@contextlib.contextmanager
def writer(path: str | os.PathLike, data_dir: str | os.PathLike | None = None,
           progress: Progress = None) -> Iterator[Generation]:
    """The next generation of the store at ``path``, under the write lock, brought up to
    date with ``data_dir`` first; it becomes current when the block ends without error,
    and is thrown away otherwise (the current one stays as it was).

    ``kg import`` streams into it (:meth:`~graph.store.oxigraph.OxigraphStore.import_into`)."""
    path = Path(path)
    _check_layout(path)
    with _write_lock(path, progress), _next_generation(path, progress) as gen:
        if data_dir is not None:
            _apply(gen, Path(data_dir), _pending(gen.state, Path(data_dir)))
        yield gen


def sync(path: str | os.PathLike, data_dir: str | os.PathLike, progress: Progress = None) -> dict:
    """Bring the store at ``path`` up to date with ``data_dir`` (see the module docstring).

    Returns how much was done: ``{"curated": quads of curated facts loaded, "files":
    imported files loaded, "removed": files dropped}``. Raises
    :class:`~graph.errors.DataError` or :class:`~graph.errors.ValidationError` for bad
    curated data (the store is then left as it was)."""
    path, data_dir = Path(path), Path(data_dir)
    _check_layout(path)
    done = {"curated": 0, "files": 0, "removed": 0}
    if not _any(_pending(_read_state(_current(path)), data_dir)) and _current(path) is not None:
        return done
    with _write_lock(path, progress):
        todo = _pending(_read_state(_current(path)), data_dir)  # another command may have done it
        if not _any(todo) and _current(path) is not None:
            return done
        with _next_generation(path, progress) as gen:
            done = _apply(gen, data_dir, todo)
    if progress:
        progress(None)
    return done


def _any(todo: dict) -> bool:
    return bool(todo["curated"] or todo["files"] or todo["removed"])


def _apply(gen: Generation, data_dir: Path, todo: dict) -> dict:
    """Load into ``gen`` what ``todo`` (see :func:`_pending`) lists."""
    done = {"curated": 0, "files": 0, "removed": 0}
    state = gen.state
    if state.get("data") != str(data_dir.resolve()):
        state["data"] = str(data_dir.resolve())
    store = gen.store
    for key in todo["removed"]:
        gen.say(f"dropping {Path(key).name} (no longer in {data_dir})")
        for g in state["files"].pop(key, {}).get("graphs", []):
            store.remove_graph(g)
        done["removed"] += 1
    if todo["curated"]:
        gen.say(f"compiling and validating the curated facts of {data_dir}")
        done["curated"] = _load_curated(gen, data_dir)
    for p in todo["files"]:
        gen.say(f"loading {p} into {gen.root}")
        key = str(p.resolve())
        graphs = _graphs_of(p, data_dir)
        for g in sorted(set(graphs) | set(state["files"].get(key, {}).get("graphs", []))):
            store.remove_graph(g)
        store.load_file(p, rdf_kind(p)[0])
        state["files"][key] = {**_stamp(p), "graphs": sorted(graphs)}
        done["files"] += 1
    return done


def _load_curated(gen: Generation, data_dir: Path) -> int:
    from graph.load import load_folder
    from graph.rdf import to_dataset
    from graph.validate import validate

    old = gen.state.get("curated", {}).get("graphs", [])
    if not _yaml_files(data_dir):
        for g in old:
            gen.store.remove_graph(g)
        gen.state["curated"] = {}
        return 0
    curated = load_folder(data_dir)
    ds = to_dataset(curated)
    validate(ds, curated)  # SHACL on the curated facts (imported files are checked by their importer)
    text = ds.serialize(format="nquads", encoding="utf-8")
    graphs = sorted({str(c.identifier) for c in ds.graphs() if len(c)})
    for g in sorted(set(old) | set(graphs)):
        gen.store.remove_graph(g)
    gen.store.load_text(text)
    gen.state["curated"] = {"fingerprint": _fingerprint(data_dir), "graphs": graphs}
    return text.count(b"\n")


def _graphs_of(path: Path, data_dir: Path) -> list[str]:
    """The named graphs a data file holds: an importer's output holds its source's graph;
    any other file is read to find out."""
    from graph.ids import slugify
    from graph.iris import SOURCE_BASE
    from graph.store.oxigraph import _ox

    rel = path.resolve().relative_to(data_dir.resolve())
    fmt_name, stem = rdf_kind(path)
    if fmt_name == "nquads" and len(rel.parts) == 3 and rel.parts[0] == "imported":
        return [SOURCE_BASE + f"{rel.parts[1]}-{slugify(stem)}"]
    ox = _ox()
    from graph.importers.nquads import open_nquads

    fmt = ox.RdfFormat.N_QUADS if fmt_name == "nquads" else ox.RdfFormat.TRIG
    try:
        with open_nquads(path) as fh:
            return sorted({q.graph_name.value for q in ox.parse(fh, format=fmt)
                           if isinstance(q.graph_name, ox.NamedNode)})
    except (SyntaxError, ValueError) as exc:
        raise DataError(f"malformed RDF: {str(exc).splitlines()[0][:200]}", file=str(path)) from None


# ------------------------------------------------------------------ reading


def open_reader(path: str | os.PathLike):
    """The current generation of the store at ``path``, read-only, held (a shared lock)
    until it is closed: a sync that runs meanwhile makes a new generation and leaves this
    one alone."""
    from graph.store.oxigraph import OxigraphStore

    path = Path(path)
    _check_layout(path)
    for _attempt in range(20):
        gen = _current(path)
        if gen is None:
            raise StoreError("the store is empty: nothing was synced into it yet", file=str(path))
        try:
            handle = open(gen / _READERS, "a+")
        except FileNotFoundError:
            continue  # removed meanwhile: read the link again
        fcntl.flock(handle, fcntl.LOCK_SH)
        if not gen.is_dir():  # a sync removed it while we waited for the lock: read the link again
            handle.close()
            continue
        try:
            store = OxigraphStore(gen, read_only=True)
        except BaseException:
            handle.close()
            raise
        store.spec = f"oxigraph:{path}"
        store.hold(handle)
        return store
    raise StoreError("the store keeps changing under this command: try again", file=str(path))
