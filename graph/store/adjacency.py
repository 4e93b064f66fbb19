"""The aggregated actor view as an indexed table, for the questions about one or two actors.

``kg neighbors`` and ``kg path`` need the relations of a few actors, not the whole view: at a
million awards the view has 82,000 actors and 552,000 relations, seconds to read back into
networkx. So the view's rows (:func:`graph.store.actors.view_rows`) are also kept beside the
store as an SQLite file (``kg-kept-adjacency.sqlite``), indexed by actor: a command opens it
and reads the relations it walks. A store that keeps nothing (a SPARQL endpoint), or a view
as of a date, gets the same table in memory. The walks are breadth-first over the view taken
as undirected (a relation joins two actors whichever way it points; an actor's relation to
itself is no step).

Example
-------
>>> adj = Adjacency.from_rows(
...     [["a", "Company", "A", ""], ["b", "GovernmentAgency", "B", ""], ["c", "Company", "C", ""]],
...     [["b", "a", "Contract", 2, "1500000.5", "2024-01-02", "2024-05-06"], ["b", "c", "Contract", 1, None, "", ""]])
>>> neighbor_rows(adj, "a", 2)
[{'actor': 'b', 'label': 'B', 'kind': 'GovernmentAgency', 'distance': 1, 'links': '2 contracts, $1.5M'}, \
{'actor': 'c', 'label': 'C', 'kind': 'Company', 'distance': 2, 'links': ''}]
>>> node_paths(adj, "a", "c")
[['a', 'b', 'c']]
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator

__all__ = ["Adjacency", "neighbor_rows", "node_paths", "edge_label"]

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE actor (id TEXT PRIMARY KEY, kind TEXT, label TEXT, label_fr TEXT) WITHOUT ROWID;
CREATE TABLE edge (a TEXT, b TEXT, relation TEXT, facts INTEGER, amount TEXT, first TEXT, last TEXT);
CREATE TABLE link (x TEXT, y TEXT, PRIMARY KEY (x, y)) WITHOUT ROWID;
CREATE INDEX edge_ab ON edge (a, b);
"""


def edge_label(relation: str, facts: int, amount) -> str:
    """``"12 contracts, $3.41M"``: how a relation of the aggregated view is named.

    >>> edge_label("Contract", 1, 2e6), edge_label("Partnership", 3, None)
    ('1 contract, $2M', '3 partnerships')
    """
    from graph.store.actors import _money

    amount = float(amount) if amount is not None else None
    return f"{facts} {relation.lower()}{'s' if facts > 1 else ''}" + (f", {_money(amount)}" if amount else "")


class Adjacency:
    """The view's actors and relations in SQLite (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    @classmethod
    def from_rows(cls, nodes: list, edges: list, path: str | os.PathLike = ":memory:", key: str = "") -> Adjacency:
        """A table of the rows of :func:`graph.store.actors.aggregate`, in memory or at ``path``."""
        conn = sqlite3.connect(str(path))
        conn.executescript(_SCHEMA)
        conn.executemany("INSERT INTO actor VALUES (?, ?, ?, ?)", nodes)
        conn.executemany("INSERT INTO edge VALUES (?, ?, ?, ?, ?, ?, ?)", edges)
        conn.executemany("INSERT OR IGNORE INTO link VALUES (?, ?)",
                         ((x, y) for a, b, *_rest in edges if a != b for x, y in ((a, b), (b, a))))
        conn.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
        conn.commit()
        return cls(conn)

    @classmethod
    def of(cls, store, *, as_of: str | None = None, progress=None) -> Adjacency:
        """The table of ``store``'s aggregated view (as of ``as_of``), kept beside the store
        when it keeps results, else made in memory."""
        from graph.store.actors import aggregation_version, view_rows

        kept = store.kept() if not as_of else None
        if kept is None:
            return cls.from_rows(*view_rows(store, as_of=as_of, progress=progress))
        version = "adjacency-1:" + aggregation_version()
        key = kept.key(version)
        path = kept.path / "kg-kept-adjacency.sqlite"
        found = _open_kept(path, key)
        if found is not None:
            return cls(found)
        nodes, edges = view_rows(store, progress=progress)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.unlink(missing_ok=True)
            cls.from_rows(nodes, edges, tmp, key).conn.close()
            os.replace(tmp, path)
        except OSError:  # a folder we cannot write: in memory this time
            tmp.unlink(missing_ok=True)
            return cls.from_rows(nodes, edges)
        return cls(_open_kept(path, key))

    def __contains__(self, node: str) -> bool:
        return self.conn.execute("SELECT 1 FROM actor WHERE id = ?", (node,)).fetchone() is not None

    def node(self, node: str) -> dict:
        row = self.conn.execute("SELECT kind, label, label_fr FROM actor WHERE id = ?", (node,)).fetchone()
        return {"kind": row[0], "label": row[1], "label_fr": row[2]} if row else {}

    def linked(self, node: str) -> list[str]:
        """The actors one relation away from ``node`` (either way), sorted."""
        return [r[0] for r in self.conn.execute("SELECT y FROM link WHERE x = ? ORDER BY y", (node,))]

    def edges(self, u: str, v: str) -> list[tuple]:
        """The relations between ``u`` and ``v`` (either way): ``(a, b, relation, facts, amount, first, last)``."""
        return self.conn.execute("SELECT * FROM edge WHERE (a = ? AND b = ?) OR (a = ? AND b = ?) "
                                 "ORDER BY a, b, relation", (u, v, v, u)).fetchall()

    def around(self, node: str) -> list[tuple]:
        """Every relation of ``node`` (either way), each as in :meth:`edges`, through the
        indexes only (an actor with 10,000 relations: milliseconds).

        >>> adj = Adjacency.from_rows([["a", "Company", "A", ""], ["b", "GovernmentAgency", "B", ""]],
        ...                           [["b", "a", "Contract", 2, "10", "2024-01-02", "2024-05-06"]])
        >>> adj.around("a") == adj.around("b") == [("b", "a", "Contract", 2, "10", "2024-01-02", "2024-05-06")]
        True
        """
        return self.conn.execute(
            "SELECT e.* FROM link l JOIN edge e ON e.a = l.x AND e.b = l.y WHERE l.x = ? "
            "UNION ALL SELECT e.* FROM link l JOIN edge e ON e.a = l.y AND e.b = l.x WHERE l.x = ? "
            "ORDER BY 1, 2, 3", (node, node)).fetchall()

    def sizes(self) -> dict[str, tuple[int, float]]:
        """Each actor's portfolio: ``id -> (relations, summed amount)`` over its relations
        either way (the amount of a relation to itself counted once).

        >>> adj = Adjacency.from_rows([["a", "Company", "A", ""], ["b", "GovernmentAgency", "B", ""]],
        ...                           [["b", "a", "Contract", 2, "10", "", ""]])
        >>> adj.sizes()
        {'a': (1, 10.0), 'b': (1, 10.0)}
        """
        out: dict[str, list] = {}
        for a, b, amount in self.conn.execute("SELECT a, b, amount FROM edge"):
            value = float(amount) if amount else 0.0
            for x in ((a,) if a == b else (a, b)):
                found = out.setdefault(x, [0, 0.0])
                found[0] += 1
                found[1] += value
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}

    def top_actors(self, n: int) -> list[str]:
        """The ``n`` actors with the most relations (ties by amount, then id).

        >>> adj = Adjacency.from_rows([["a", "Company", "A", ""], ["b", "GovernmentAgency", "B", ""],
        ...                            ["c", "Company", "C", ""]], [["b", "a", "Contract", 2, "10", "", ""],
        ...                            ["b", "c", "Contract", 1, "5", "", ""]])
        >>> adj.top_actors(2)
        ['b', 'a']
        """
        sizes = self.sizes()
        return sorted(sizes, key=lambda k: (-sizes[k][0], -sizes[k][1], k))[:n]

    def close(self) -> None:
        self.conn.close()


def _open_kept(path, key: str) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
    except sqlite3.Error:
        return None
    if not row or row[0] != key:
        conn.close()
        return None
    return conn


def _levels(adj: Adjacency, start: str, depth: int | None = None, stop: str | None = None) -> Iterator[list[str]]:
    """The actors at distance 1, 2, ... from ``start`` (each level sorted), up to ``depth``
    or the level holding ``stop``."""
    seen = {start}
    frontier = [start]
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        nxt = sorted({w for v in frontier for w in adj.linked(v)} - seen)
        if not nxt:
            return
        seen.update(nxt)
        yield nxt
        if stop is not None and stop in seen:
            return
        frontier = nxt


def neighbor_rows(adj: Adjacency, node: str, depth: int = 1) -> list[dict]:
    """Actors within ``depth`` relations of ``node``, nearest first (then by id), with how
    the nearest are linked: the rows of ``kg neighbors``."""
    rows = []
    for distance, level in enumerate(_levels(adj, node, depth), 1):
        for other in level:
            info = adj.node(other)
            links = ""
            if distance == 1:
                links = "; ".join(sorted({edge_label(rel, n, amount)
                                          for _a, _b, rel, n, amount, _f, _l in adj.edges(node, other)}))
            rows.append({"actor": other, "label": info.get("label", other), "kind": info.get("kind", ""),
                         "distance": distance, "links": links})
    return rows


def node_paths(adj: Adjacency, a: str, b: str, limit: int = 5) -> list[list[str]]:
    """The ``limit`` first shortest paths from ``a`` to ``b`` in lexicographic order (node
    lists); none if they are not linked."""
    if a == b:
        return [[a]]
    dist = {a: 0}
    for d, level in enumerate(_levels(adj, a, stop=b), 1):
        dist.update((n, d) for n in level)
    if b not in dist:
        return []
    # the actors on a shortest path: walk back from b through neighbours one step nearer a
    on = {b}
    frontier = [b]
    while frontier:
        back = {w for v in frontier for w in adj.linked(v) if dist.get(w, -1) == dist[v] - 1}
        on |= back
        frontier = sorted(back)
    paths: list[list[str]] = []

    def walk(path: list[str]) -> None:
        if len(paths) >= limit:
            return
        here = path[-1]
        if here == b:
            paths.append(list(path))
            return
        for w in adj.linked(here):
            if w in on and dist.get(w) == dist[here] + 1:
                path.append(w)
                walk(path)
                path.pop()
                if len(paths) >= limit:
                    return

    walk([a])
    return paths
