"""The explorer's index: names, quotes, source titles and every fact's pair of actors, in SQLite.

``kg serve`` answers search, filtered expand, facts and filtered paths from one SQLite file
kept beside the store (``kg-kept-serve-index.sqlite``, keyed like the adjacency table of
:mod:`graph.store.adjacency`: made once per store generation, read back after), or made in
memory for a store that keeps nothing (a SPARQL endpoint). It holds:

- ``actor``: every actor of the aggregated view with its kind, names and portfolio
  (relations, summed amount);
- ``name`` and ``name_fts`` (FTS5, trigram): names, aliases, identifiers (UEI, CAGE, a
  register's id, Wikidata) normalised (:func:`graph.lookup.normalize`: accents, case and
  punctuation ignored), found by substring;
- ``fact``: one row per fact and pair of actors it draws (the pairs of
  :data:`graph.store.actors._PAIRS`), with its relation, amount and first date; ``cites``:
  which sources state each fact. Expand, facts and path filtered by date range, source or
  agency are SQL over these rows, read from the two indexes by actor (``a, b, relation,
  day, amount, fid`` and ``b, a, ...``) that hold every column the filters and the sums
  need: an actor's facts are one range of an index, never looked up row by row;
- ``dated``: the dated facts of each relation summed (how many, amount, first and last
  day, whether a day is less precise than a day): a date range keeps a relation whose
  days all fall in it as it is and drops one whose days all fall outside it without
  reading its facts; only the relations the range cuts through are summed from ``fact``;
- ``quote_fts`` and ``source_fts`` (FTS5, words, diacritics removed): the exact quotes and
  the sources' titles, the quotes stored largest fact first so that the first hits of a
  common word are the largest facts (an FTS5 query stops at its ``LIMIT``);
- ``source_actor``: how many facts each source states about each actor.

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store:
...     index = SearchIndex.of(store)
...     found = [hit["id"] for hit in index.search("pentagone")]
...     quoted = index.search("premier contrat de défense signé")
>>> found[0], quoted[0]["matched"]
('dod', 'quote')
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SearchIndex", "Filters", "INDEX_VERSION", "fts_words", "shortest_node_paths"]

#: bump when the tables or what fills them change: a kept index of another version is made again
INDEX_VERSION = "serve-index-6"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE actor (id TEXT PRIMARY KEY, kind TEXT, label TEXT, label_fr TEXT, relations INTEGER,
                    amount REAL) WITHOUT ROWID;
CREATE TABLE name (norm TEXT, actor TEXT, field TEXT, shown TEXT);
CREATE INDEX name_norm ON name (norm);
CREATE VIRTUAL TABLE name_fts USING fts5 (norm, content='name', tokenize='trigram');
CREATE TABLE fact_id (fid INTEGER PRIMARY KEY, iri TEXT UNIQUE);
CREATE TABLE fact (fid INTEGER, a TEXT, b TEXT, relation TEXT, amount REAL, day TEXT);
CREATE INDEX fact_a ON fact (a, b, relation, day, amount, fid);
CREATE INDEX fact_b ON fact (b, a, relation, day, amount, fid);
CREATE INDEX fact_fid ON fact (fid);
CREATE TABLE dated (a TEXT, b TEXT, relation TEXT, facts INTEGER, amount REAL, first TEXT, last TEXT,
                    short INTEGER, PRIMARY KEY (a, b, relation)) WITHOUT ROWID;
CREATE INDEX dated_b ON dated (b, a, relation);
CREATE TABLE cites (fid INTEGER, source TEXT, PRIMARY KEY (fid, source)) WITHOUT ROWID;
CREATE INDEX cites_source ON cites (source, fid);
CREATE TABLE quote (id INTEGER PRIMARY KEY, fid INTEGER, source TEXT);
CREATE VIRTUAL TABLE quote_fts USING fts5 (text, content='', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE source (id TEXT PRIMARY KEY, title TEXT, facts INTEGER) WITHOUT ROWID;
CREATE VIRTUAL TABLE source_fts USING fts5 (id UNINDEXED, title, tokenize='unicode61 remove_diacritics 2');
CREATE TABLE source_actor (source TEXT, actor TEXT, facts INTEGER, relations INTEGER);
CREATE INDEX source_actor_top ON source_actor (source, relations DESC, actor);
"""

_NAME_FIELDS = {"label": "name", "altLabel": "alias", "prefLabel": "name", "uei": "UEI", "cageCode": "CAGE",
                "identifier": "identifier", "wikidata": "Wikidata"}
_WORD = re.compile(r"\w+")


def fts_words(text: str) -> str:
    """An FTS5 query matching every word of ``text`` (the last one as a prefix), each word
    quoted: no FTS5 syntax in ``text`` is ever read as such.

    >>> fts_words('long-range "missile" OR x*')
    '"long" "range" "missile" "OR" "x"*'
    """
    words = _WORD.findall(text)
    if not words:
        return ""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words[:12]]
    quoted[-1] += "*"
    return " ".join(quoted)


def shortest_node_paths(linked, a: str, b: str, limit: int = 5) -> list[list[str]]:
    """The ``limit`` first shortest paths from ``a`` to ``b`` in lexicographic order, as
    :func:`graph.store.adjacency.node_paths` finds them, by a breadth-first search from both
    ends at once (the smaller frontier grows first): at scale it visits a few thousand
    actors where a search from one end visits most of the graph. ``linked(node)``: the
    sorted neighbours of a node.

    >>> g = {"a": ["b", "c"], "b": ["a", "d"], "c": ["a", "d"], "d": ["b", "c", "e"], "e": ["d"]}
    >>> shortest_node_paths(g.get, "a", "e"), shortest_node_paths(g.get, "a", "e", 1)
    ([['a', 'b', 'd', 'e'], ['a', 'c', 'd', 'e']], [['a', 'b', 'd', 'e']])
    >>> shortest_node_paths(g.get, "a", "z")
    []
    """
    if a == b:
        return [[a]]
    near = {a: 0}, {b: 0}
    frontier = [a], [b]
    cache: dict[str, list[str]] = {}

    def around(v: str) -> list[str]:
        if v not in cache:
            cache[v] = list(linked(v) or ())
        return cache[v]

    met = False
    while frontier[0] and frontier[1] and not met:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        seen, other = near[side], near[1 - side]
        depth = seen[frontier[side][0]] + 1
        nxt = sorted({w for v in frontier[side] for w in around(v)} - seen.keys())
        for w in nxt:
            seen[w] = depth
        met = any(w in other for w in nxt)
        frontier = (nxt, frontier[1]) if side == 0 else (frontier[0], nxt)
    if not met:
        return []
    da, db = near
    d = min(da[v] + db[v] for v in da if v in db)
    middle = {v for v in da if v in db and da[v] + db[v] == d}
    # where each actor on a shortest path stands on it (its distance from a)
    pos = {v: da[v] for v in middle}
    for dist, sign in ((da, 1), (db, -1)):
        todo = sorted(middle)
        while todo:
            back = set()
            for v in todo:
                for w in around(v):
                    if w in dist and dist[w] == dist[v] - 1 and w not in pos:
                        pos[w] = dist[w] if sign > 0 else d - dist[w]
                        back.add(w)
            todo = sorted(back)
    paths: list[list[str]] = []

    def walk(path: list[str]) -> None:
        here = path[-1]
        if here == b:
            paths.append(list(path))
            return
        for w in around(here):
            if pos.get(w) == pos[here] + 1:
                path.append(w)
                walk(path)
                path.pop()
                if len(paths) >= limit:
                    return

    walk([a])
    return paths[:limit]


@dataclass(frozen=True)
class Filters:
    """What a fact must be to count: of one of ``relations`` (all if empty), dated within
    ``since``..``until`` (ISO dates of any precision, compared at the shorter precision; an
    undated fact is in no range), stated by the source ``source`` (its id).

    >>> where, args = Filters(since="2025-06", source="article-fr").where()
    >>> for part in where.split(" AND "):
    ...     print(part)
    f.relation != ''
    f.day != ''
    substr(f.day, 1, min(length(f.day), 7)) >= substr(?, 1, min(length(f.day), 7))
    f.fid IN (SELECT fid FROM cites WHERE source = ?)
    >>> args
    ['2025-06', 'article-fr']
    """

    relations: frozenset = frozenset()
    since: str = ""
    until: str = ""
    source: str = ""

    @property
    def narrows(self) -> bool:
        """Whether the facts must be looked at one by one (a date range or a source)."""
        return bool(self.since or self.until or self.source)

    def where(self) -> tuple[str, list]:
        parts, args = ["f.relation != ''"], []
        if self.relations:
            parts.append(f"f.relation IN ({', '.join('?' * len(self.relations))})")
            args += sorted(self.relations)
        if self.since or self.until:
            parts.append("f.day != ''")
        for value, op in ((self.since, ">="), (self.until, "<=")):
            if value:
                n = len(value)
                parts.append(f"substr(f.day, 1, min(length(f.day), {n})) {op} substr(?, 1, min(length(f.day), {n}))")
                args.append(value)
        if self.source:
            parts.append("f.fid IN (SELECT fid FROM cites WHERE source = ?)")
            args.append(self.source)
        return " AND ".join(parts), args


def _facts_query(pattern: str) -> str:
    return f"""SELECT ?f ?a ?b (MAX(?amt) AS ?amount) (MIN(?d) AS ?day) WHERE {{
      {pattern}
      OPTIONAL {{ ?f dai:obligatedAmount|dai:value ?money . ?money dai:amount ?amt }}
      OPTIONAL {{ ?f dai:date|dai:startDate ?d }}
    }} GROUP BY ?f ?a ?b"""


#: the agency -> contractor facts, each part in a sub-query (hash joins, as CONTRACTS_QUERY)
_CONTRACT_FACTS = """SELECT ?f ?a ?b ?amount ?day WHERE {
  { SELECT DISTINCT ?f ?a ?b WHERE {
      { SELECT ?f ?a ?g WHERE { GRAPH ?g { ?f dai:awardingAgency ?a } } }
      { SELECT ?f ?b ?g WHERE { GRAPH ?g { ?f dai:contractor ?b } } } } }
  OPTIONAL { SELECT ?f (MAX(?amt) AS ?amount) WHERE {
      { SELECT ?f ?money WHERE { ?f dai:obligatedAmount ?money } }
      { SELECT ?money ?amt WHERE { ?money dai:amount ?amt } } } GROUP BY ?f }
  OPTIONAL { SELECT ?f (MIN(?d) AS ?day) WHERE { ?f dai:date|dai:startDate ?d } GROUP BY ?f }
}"""


#: every citation's fact, source and quote, each part in a sub-query (hash joins: 2.5x faster
#: than the one pattern, which Oxigraph walks citation by citation)
_CITATIONS = """SELECT ?f ?s ?q WHERE {
  { SELECT ?f ?c WHERE { ?f dai:citation ?c } }
  { SELECT ?c ?s WHERE { ?c dai:cites ?s } }
  OPTIONAL { SELECT ?c ?q WHERE { ?c dai:quote ?q } }
}"""


class SearchIndex:
    """The index of one store (see the module docstring). Open one per thread
    (:meth:`of` reads the kept file, or makes it once)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    # -- making it ---------------------------------------------------------------------

    @classmethod
    def of(cls, store, adjacency=None, progress: Callable[[str], None] | None = None) -> SearchIndex:
        """The index of ``store``, kept beside it when it keeps results (made once per store
        generation, atomically), else made in memory. ``adjacency``: the store's
        :class:`~graph.store.adjacency.Adjacency` (opened here if not given)."""
        from graph.store.actors import aggregation_version

        kept = store.kept()
        if kept is None:
            return cls.build(store, ":memory:", "", adjacency, progress)
        key = kept.key(INDEX_VERSION + ":" + aggregation_version())
        path = kept.path / "kg-kept-serve-index.sqlite"
        found = _open_kept(path, key)
        if found is not None:
            return cls(found)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.unlink(missing_ok=True)
            cls.build(store, tmp, key, adjacency, progress).conn.close()
            os.replace(tmp, path)
        except OSError:  # a folder we cannot write: in memory this time
            tmp.unlink(missing_ok=True)
            return cls.build(store, ":memory:", "", adjacency, progress)
        except BaseException:  # given up (the server stops) or failed: no half-made file left
            tmp.unlink(missing_ok=True)
            raise
        return cls(_open_kept(path, key))

    @classmethod
    def build(cls, store, path, key: str, adjacency=None, progress=None) -> SearchIndex:
        """Read ``store`` (a few SPARQL queries over the whole graph) into a new index at ``path``."""
        from graph.lookup import normalize
        from graph.store.actors import _PAIRS, ACTOR_VALUES, _key

        say = progress or (lambda _m: None)
        started = time.perf_counter()
        own = adjacency is None
        if own:
            from graph.store.adjacency import Adjacency

            adjacency = Adjacency.of(store)
        conn = sqlite3.connect(str(path), check_same_thread=False)
        # a file written aside and renamed when whole: no journal, no sync; 256 MB of cache (FTS5)
        conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;"
                           + _SCHEMA)
        sizes = adjacency.sizes()
        actors = {row[0]: row for row in adjacency.conn.execute("SELECT id, kind, label, label_fr FROM actor")}
        conn.executemany("INSERT INTO actor VALUES (?, ?, ?, ?, ?, ?)",
                         ((i, k, lab, fr, *sizes.get(i, (0, 0.0))) for i, k, lab, fr in sorted(actors.values())))
        if own:
            adjacency.close()
        say("serve index: names and identifiers")
        rows = store.select_plain(f"""SELECT ?e ?p ?v WHERE {{
            {{ SELECT DISTINCT ?e WHERE {{ VALUES ?k {{ {ACTOR_VALUES} }} ?e a ?k }} }}
            VALUES ?p {{ rdfs:label skos:altLabel skos:prefLabel dai:uei dai:cageCode dai:identifier dai:wikidata }}
            ?e ?p ?v }}""", timeout=3600)
        names = set()
        for r in rows:
            node = _key(r["e"])
            if node not in actors:
                continue
            field = _NAME_FIELDS.get(re.split(r"[#/]", r["p"])[-1], "name")
            names.add((normalize(r["v"]), node, field, r["v"]))
            if field == "identifier" and ":" in r["v"]:  # SCHEME:VALUE: the value alone too
                names.add((normalize(r["v"].split(":", 1)[1]), node, field, r["v"]))
        names.update((normalize(node), node, "id", node) for node in actors)
        conn.executemany("INSERT INTO name VALUES (?, ?, ?, ?)", sorted(n for n in names if n[0]))
        conn.execute("INSERT INTO name_fts (rowid, norm) SELECT rowid, norm FROM name")
        del rows, names
        # every fact and the pair of actors it draws
        fids: dict[str, int] = {}
        queries = [("Contract", _CONTRACT_FACTS)] + [(rel, _facts_query(p)) for rel, p in _PAIRS[1:]]
        facts = []
        for step, (rel, query) in enumerate(queries, 1):
            say(f"serve index: the {rel} facts ({step}/{len(queries)})")
            for r in store.select_plain(query, timeout=3600):
                if "a" not in r or "b" not in r:
                    continue
                a, b = _key(r["a"]), _key(r["b"])
                if a not in actors or b not in actors:
                    continue
                fid = fids.setdefault(r["f"], len(fids) + 1)
                amount = float(r["amount"]) if r.get("amount") else None
                facts.append((fid, a, b, rel, amount, r.get("day", "")[:10]))
        facts.sort()
        conn.executemany("INSERT INTO fact_id VALUES (?, ?)", ((v, k) for k, v in fids.items()))
        conn.executemany("INSERT INTO fact VALUES (?, ?, ?, ?, ?, ?)", facts)
        conn.execute("""INSERT INTO dated SELECT a, b, relation, COUNT(DISTINCT fid), SUM(amount), MIN(day),
            MAX(day), MAX(length(day) < 10) FROM fact WHERE relation != '' AND day != '' GROUP BY a, b, relation""")
        amount_of = {}
        for fid, _a, _b, _rel, amount, _day in facts:
            amount_of[fid] = max(amount_of.get(fid, 0.0), amount or 0.0)
        del facts
        say("serve index: quotes and sources")
        quotes = []
        cites = set()
        for r in store.select_plain(_CITATIONS, timeout=3600):
            source = _key(r["s"]).removeprefix("source/")
            fid = fids.get(r["f"])
            if fid is None:
                node = _key(r["f"])
                if node not in actors:  # a fact that draws no relation between actors
                    continue
                fid = fids.setdefault(r["f"], len(fids) + 1)  # an actor's own citation
                conn.execute("INSERT INTO fact_id VALUES (?, ?)", (fid, r["f"]))
                conn.execute("INSERT INTO fact VALUES (?, ?, ?, '', NULL, '')", (fid, node, node))
            cites.add((fid, source))
            if r.get("q"):
                quotes.append((-amount_of.get(fid, 0.0), fid, source, r["q"]))
        conn.executemany("INSERT INTO cites VALUES (?, ?)", sorted(cites))
        quotes.sort()
        # the quotes' words only (a contentless FTS5 table): their text stays in the store
        conn.executemany("INSERT INTO quote (id, fid, source) VALUES (?, ?, ?)",
                         ((i, q[1], q[2]) for i, q in enumerate(quotes, 1)))
        conn.executemany("INSERT INTO quote_fts (rowid, text) VALUES (?, ?)",
                         ((i, q[3]) for i, q in enumerate(quotes, 1)))
        del quotes, cites
        titles = {}
        for r in store.select_plain("SELECT ?s ?t WHERE { ?s a dai:Source . OPTIONAL { ?s dai:title ?t } }",
                                    timeout=3600):
            titles.setdefault(_key(r["s"]).removeprefix("source/"), r.get("t", ""))
        counts = dict(conn.execute("SELECT source, COUNT(*) FROM cites GROUP BY source"))
        conn.executemany("INSERT INTO source VALUES (?, ?, ?)",
                         ((s, titles[s], counts.get(s, 0)) for s in sorted(titles)))
        conn.execute("INSERT INTO source_fts (id, title) SELECT id, title FROM source WHERE title != ''")
        conn.execute("""INSERT INTO source_actor
            SELECT c.source, x.actor, COUNT(DISTINCT c.fid), MAX(ac.relations) FROM cites c
            JOIN (SELECT fid, a AS actor FROM fact UNION SELECT fid, b FROM fact) x ON x.fid = c.fid
            JOIN actor ac ON ac.id = x.actor GROUP BY c.source, x.actor""")
        conn.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
        conn.commit()
        n_facts = len(fids)
        say(f"serve index: {len(actors):,} actors, {n_facts:,} facts in {time.perf_counter() - started:.1f}s")
        return cls(conn)

    # -- reading it --------------------------------------------------------------------

    def card(self, node: str) -> dict:
        """``{"id", "label", "label_fr", "kind", "relations", "amount"}`` of an actor."""
        row = self.conn.execute("SELECT kind, label, label_fr, relations, amount FROM actor WHERE id = ?",
                                (node,)).fetchone()
        if row is None:
            return {"id": node, "label": node, "label_fr": "", "kind": "", "relations": 0, "amount": None}
        return {"id": node, "label": row[1], "label_fr": row[2], "kind": row[0], "relations": row[3],
                "amount": row[4] or None}

    def cards(self, ids) -> dict[str, dict]:
        """:meth:`card` of each of ``ids``, in one query."""
        import json

        found = {r[0]: {"id": r[0], "label": r[2], "label_fr": r[3], "kind": r[1], "relations": r[4],
                        "amount": r[5] or None}
                 for r in self.conn.execute("SELECT id, kind, label, label_fr, relations, amount FROM actor "
                                            "WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),))}
        return {i: found.get(i) or self.card(i) for i in ids}

    def kinds(self, ids) -> dict[str, str]:
        """The kind of each of ``ids`` (``""`` if not an actor), in one query: what an expand
        of 10,000 relations needs of each neighbour (the page's cards are read after)."""
        import json

        ids = list(ids)
        found = dict(self.conn.execute("SELECT id, kind FROM actor WHERE id IN (SELECT value FROM json_each(?))",
                                       (json.dumps(ids),)))
        return {i: found.get(i, "") for i in ids}

    def search(self, q: str, limit: int = 20, quote_text=None) -> list[dict]:
        """Actors matching ``q``: by name, alias or identifier (exact, then starting with it,
        then a word starting with it, then containing it), then by the quotes of their facts
        (largest facts first), then by the titles of the sources stating facts about them;
        ties by portfolio size. Each hit says what ``matched`` and the ``text`` matched (for a
        quote, an excerpt around its first matching word: ``quote_text(fact IRIs)`` gives
        each fact's quotes, read from the store)."""
        from graph.lookup import normalize

        key = normalize(q)
        best: dict[str, tuple] = {}

        def offer(node, rank, field, text):
            if node not in best or rank < best[node][0]:
                best[node] = (rank, field, text)

        if key:
            if len(key) >= 3:
                rows = self.conn.execute(
                    "SELECT n.norm, n.actor, n.field, n.shown FROM name_fts f JOIN name n ON n.rowid = f.rowid "
                    "WHERE name_fts MATCH ? LIMIT 5000", ('"' + key.replace('"', '""') + '"',))
            else:
                rows = self.conn.execute("SELECT norm, actor, field, shown FROM name WHERE norm >= ? AND norm < ? "
                                         "LIMIT 5000", (key, key + "\uffff"))
            for norm, node, field, shown in rows:
                rank = 0 if norm == key else 1 if norm.startswith(key) else 2 if f" {key}" in f" {norm}" else 3
                offer(node, (rank,), field, shown)
        words = fts_words(q)
        if words and len(best) < limit:
            for fid, iri in self.conn.execute(
                    "SELECT q.fid, i.iri FROM quote_fts JOIN quote q ON q.id = quote_fts.rowid "
                    "JOIN fact_id i ON i.fid = q.fid WHERE quote_fts MATCH ? LIMIT 200", (words,)):
                for (node,) in self.conn.execute("SELECT a FROM fact WHERE fid = ? UNION SELECT b FROM fact "
                                                 "WHERE fid = ?", (fid, fid)):
                    offer(node, (4, len(best)), "quote", iri)
                if len(best) >= limit * 3:
                    break
        if words and len(best) < limit:
            for source, title in self.conn.execute(
                    "SELECT id, title FROM source_fts WHERE source_fts MATCH ? ORDER BY rank LIMIT 10", (words,)):
                for (node,) in self.conn.execute("SELECT actor FROM source_actor WHERE source = ? "
                                                 "ORDER BY relations DESC, actor LIMIT ?", (source, limit)):
                    offer(node, (5, 0), "source", title)
        cards = self.cards(best)
        ranked = sorted(best, key=lambda n: (best[n][0][0], -(cards[n]["relations"] or 0),
                                             -(cards[n]["amount"] or 0.0), best[n][0][1:], n))
        shown = ranked[:limit]
        facts = sorted({best[n][2] for n in shown if best[n][1] == "quote"})
        quotes = _excerpts(quote_text(facts) if quote_text and facts else {}, q)
        out = []
        for node in shown:
            card = cards[node]
            text = best[node][2]
            card.update(matched=best[node][1], text=quotes.get(text, "") if best[node][1] == "quote" else text)
            out.append(card)
        return out

    def relations_of(self, node: str, filters: Filters) -> list[tuple]:
        """The relations of ``node`` (either way) made of the facts that pass ``filters``,
        as :meth:`graph.store.adjacency.Adjacency.around`: ``(a, b, relation, facts, amount,
        first, last)``.

        A date range alone reads the ``dated`` sums: a relation whose first day is on or
        after ``since`` and last before the end of ``until`` is kept whole, one that ends
        before ``since`` (no day less precise than a day, which could be the start of
        ``since``) or starts after ``until`` is dropped, and only the others are summed
        from their facts: the same rows as from the facts alone (:meth:`_from_facts`)."""
        if filters.source or not (filters.since or filters.until):
            return self._from_facts(node, filters)
        since, until = filters.since, filters.until + "\uffff" if filters.until else ""
        kept, cut = [], set()
        for row in self.conn.execute(
                "SELECT a, b, relation, facts, amount, first, last, short FROM dated WHERE a = ? UNION ALL "
                "SELECT a, b, relation, facts, amount, first, last, short FROM dated WHERE b = ? AND a != ?",
                (node, node, node)):
            a, b, rel, n, amount, first, last, short = row
            if filters.relations and rel not in filters.relations:
                continue
            if (until and first >= until) or (since and last < since and not short):
                continue  # every day outside the range
            if (not since or first >= since) and (not until or last < until):
                kept.append((a, b, rel, n, None if amount is None else repr(amount), first, last))
            else:
                cut.add((a, b, rel))
        if cut:
            others = sorted({b if a == node else a for a, b, _rel in cut})
            kept += [r for r in self._from_facts(node, filters, others) if r[:3] in cut]
        return sorted(kept)

    def _from_facts(self, node: str, filters: Filters, others: list[str] | None = None) -> list[tuple]:
        """:meth:`relations_of` summed from the fact rows (with ``others``: only the
        relations with those actors)."""
        import json

        where, args = filters.where()
        select = ("SELECT f.a, f.b, f.relation, COUNT(DISTINCT f.fid), SUM(f.amount), MIN(NULLIF(f.day, '')), "
                  "MAX(NULLIF(f.day, '')) FROM fact f WHERE ")
        among = ["", ""]
        extra: list = [[], []]
        if others is not None:
            among = [" AND f.b IN (SELECT value FROM json_each(?))", " AND f.a IN (SELECT value FROM json_each(?))"]
            extra = [[json.dumps(others)], [json.dumps(others)]]
        rows = self.conn.execute(
            f"{select} f.a = ?{among[0]} AND {where} GROUP BY f.a, f.b, f.relation "
            f"UNION ALL {select} f.b = ? AND f.a != ?{among[1]} AND {where} GROUP BY f.a, f.b, f.relation "
            "ORDER BY 1, 2, 3", [node, *extra[0], *args, node, node, *extra[1], *args]).fetchall()
        return [(a, b, rel, n, None if amount is None else repr(amount), first or "", last or "")
                for a, b, rel, n, amount, first, last in rows]

    def relations_among(self, ids: list[str], filters: Filters) -> list[tuple]:
        """The relations between actors of ``ids`` made of the facts that pass ``filters``,
        as :meth:`relations_of` (a view of a few actors: an index lookup per actor)."""
        import json

        where, args = filters.where()
        chosen = json.dumps(sorted(set(ids)))
        rows = self.conn.execute(
            "SELECT f.a, f.b, f.relation, COUNT(DISTINCT f.fid), SUM(f.amount), MIN(NULLIF(f.day, '')), "
            "MAX(NULLIF(f.day, '')) FROM fact f WHERE f.a IN (SELECT value FROM json_each(?)) "
            f"AND f.b IN (SELECT value FROM json_each(?)) AND f.a != f.b AND {where} "
            "GROUP BY f.a, f.b, f.relation ORDER BY 1, 2, 3", [chosen, chosen, *args]).fetchall()
        return [(a, b, rel, n, None if amount is None else repr(amount), first or "", last or "")
                for a, b, rel, n, amount, first, last in rows]

    def linked(self, node: str, filters: Filters) -> list[str]:
        """The actors one fact passing ``filters`` away from ``node``, sorted."""
        where, args = filters.where()
        return [r[0] for r in self.conn.execute(
            f"SELECT f.b FROM fact f WHERE f.a = ? AND f.b != ? AND {where} UNION "
            f"SELECT f.a FROM fact f WHERE f.b = ? AND f.a != ? AND {where} ORDER BY 1",
            [node, node, *args, node, node, *args])]

    def fact_page(self, a: str, b: str, filters: Filters, offset: int, limit: int) -> tuple[int, list[str]]:
        """``(how many facts link a and b and pass filters, the IRIs of those from offset)``,
        largest amount first then by IRI (the order of :func:`graph.store.actors.hop_facts`)."""
        where, args = filters.where()
        pair = "((f.a = ? AND f.b = ?) OR (f.a = ? AND f.b = ?))"
        total = self.conn.execute(f"SELECT COUNT(DISTINCT f.fid) FROM fact f WHERE {pair} AND {where}",
                                  [a, b, b, a, *args]).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT i.iri, MAX(f.amount) AS m FROM fact f JOIN fact_id i ON i.fid = f.fid WHERE {pair} AND {where} "
            "GROUP BY f.fid ORDER BY m IS NULL, m DESC, i.iri LIMIT ? OFFSET ?",
            [a, b, b, a, *args, limit, offset]).fetchall()
        return total, [r[0] for r in rows]

    def units(self, agency: str) -> set[str]:
        """``agency`` and every unit under it (its SubUnit children, theirs, ...)."""
        return {r[0] for r in self.conn.execute(
            "WITH RECURSIVE u(id) AS (SELECT ? UNION SELECT f.a FROM fact f JOIN u ON f.b = u.id "
            "WHERE f.relation = 'SubUnit') SELECT id FROM u", (agency,))}

    def parents(self) -> dict[str, str]:
        """Each unit's parent agency (its SubUnit relation; the first by id if several)."""
        out: dict[str, str] = {}
        for child, parent in self.conn.execute("SELECT a, b FROM fact WHERE relation = 'SubUnit' ORDER BY a, b"):
            out.setdefault(child, parent)
        return out

    def top_actors(self, n: int) -> list[str]:
        """The ``n`` actors with the most relations (ties by amount, then id), as
        :meth:`graph.store.adjacency.Adjacency.top_actors`."""
        return [r[0] for r in self.conn.execute("SELECT id FROM actor WHERE relations > 0 "
                                                "ORDER BY relations DESC, amount DESC, id LIMIT ?", (n,))]

    def sources(self) -> list[dict]:
        """Every source with its title and how many facts it states, most first."""
        return [{"id": s, "title": t, "facts": n} for s, t, n in
                self.conn.execute("SELECT id, title, facts FROM source ORDER BY facts DESC, id")]

    def close(self) -> None:
        self.conn.close()


def _excerpts(quotes: dict[str, list[str]], q: str, width: int = 110) -> dict[str, str]:
    """For each fact, the excerpt of its first quote holding a word of ``q`` (accents and
    case ignored), about ``width`` characters around that word.

    >>> _excerpts({"f": ["x", "Le premier contrat de défense signé par OpenAI"]}, "DEFENSE", 20)
    {'f': '…contrat de défense signé…'}
    """
    from graph.lookup import normalize

    words = [re.compile(r"\b" + re.escape(normalize(w))) for w in _WORD.findall(q) if normalize(w)]
    out = {}
    for fact, texts in quotes.items():
        folded = {t: "".join((normalize(c) or " ")[:1] for c in t) for t in texts}  # one character for one
        for text in sorted(texts, key=lambda t: -sum(1 for w in words if w.search(folded[t]))):
            found = [m.start() for m in (w.search(folded[text]) for w in words) if m]
            at = min(found, default=0)
            start = max(0, at - width // 3)
            start = text.rfind(" ", 0, start) + 1 if start else 0  # at a word's start
            end = min(len(text), start + width)
            if end < len(text) and text.find(" ", end) > 0:  # at a word's end
                end = text.find(" ", end)
            out[fact] = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
            break
    return out


def _open_kept(path, key: str) -> sqlite3.Connection | None:
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        row = conn.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
    except sqlite3.Error:
        return None
    if not row or row[0] != key:
        conn.close()
        return None
    return conn
