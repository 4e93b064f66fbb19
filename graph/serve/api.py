"""The JSON API behind the explorer: search, actor, expand, facts of a relation, path.

Plain functions over an :class:`Explorer` (a store, its aggregated view as an
:class:`~graph.store.adjacency.Adjacency`, and a search index), returning JSON-ready
dicts; :mod:`graph.serve.app` maps them to ``/api/...`` and turns :class:`ApiError` and
:class:`graph.errors.DataError` into a 400 with the message. The answers come from the
engine (:mod:`graph.store.actors`, :mod:`graph.store.adjacency`, :mod:`graph.api`): the
same as ``kg neighbors`` and ``kg path``.

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store:
...     ex = Explorer(store)
...     hits = ex.search("pentagone")["results"]
...     around = ex.expand("openai", limit=2)
...     ex.close()
>>> hits[0]["id"], hits[0]["kind"]
('dod', 'GovernmentAgency')
>>> len(around["neighbours"]), around["more"] > 0
(2, True)
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict

from graph.errors import DataError, GraphError

__all__ = ["Explorer", "ApiError", "RELATIONS"]

#: the kinds of relation the aggregated view draws (graph.store.actors._PAIRS)
RELATIONS = ("Contract", "Partnership", "Competition", "Investment", "Subsidiary", "SubUnit", "Involvement", "Event",
             "Subaward")

_DAY = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class ApiError(DataError):
    """A request the API cannot answer as asked (a bad parameter, an unknown actor): 400,
    or ``status`` (404 for an unknown actor)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _int(value, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ApiError(f"{name} must be a whole number, got {str(value)[:40]!r}") from None
    if not low <= n <= high:
        raise ApiError(f"{name} must be between {low} and {high}, got {n}")
    return n


def _day(value, name: str) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ApiError(f"{name} must be a date YYYY, YYYY-MM or YYYY-MM-DD, got {str(value)[:40]!r}")
    return value


def _relations(value) -> set[str]:
    if value in (None, ""):
        return set()
    wanted = {v for v in str(value).split(",") if v}
    unknown = sorted(wanted - set(RELATIONS))
    if unknown:
        raise ApiError(f"unknown relation {unknown[0][:40]!r} (one of {', '.join(RELATIONS)})")
    return wanted


class Explorer:
    """The questions the explorer asks of ``store`` (read-only; safe to share between the
    server's threads: each thread opens its own view of the SQLite adjacency)."""

    def __init__(self, store):
        from graph.api import Graph

        self.store = store
        self.graph = Graph(store, None)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._index: list | None = None
        self._sizes: dict | None = None

    # -- shared state ----------------------------------------------------------------

    @property
    def adjacency(self):
        """This thread's :class:`~graph.store.adjacency.Adjacency` of the store's view."""
        adj = getattr(self._local, "adj", None)
        if adj is None:
            from graph.store.adjacency import Adjacency

            adj = self._local.adj = Adjacency.of(self.store)
        return adj

    def sizes(self) -> dict:
        with self._lock:
            if self._sizes is None:
                self._sizes = self.adjacency.sizes()
            return self._sizes

    def index(self) -> list:
        """``[(normalised text, actor id, field, text)]`` of every actor name, alias and
        identifier, read once."""
        with self._lock:
            if self._index is None:
                self._index = self._read_index()
            return self._index

    def _read_index(self) -> list:
        from graph.lookup import normalize
        from graph.store.actors import ACTOR_VALUES, _key

        rows = self.store.select_plain(f"""SELECT ?e ?p ?v WHERE {{
            {{ SELECT DISTINCT ?e WHERE {{ VALUES ?k {{ {ACTOR_VALUES} }} ?e a ?k }} }}
            VALUES ?p {{ rdfs:label skos:altLabel skos:prefLabel dai:uei dai:cageCode dai:identifier dai:wikidata }}
            ?e ?p ?v }}""", timeout=600)
        fields = {"label": "name", "altLabel": "alias", "prefLabel": "name", "uei": "UEI", "cageCode": "CAGE",
                  "identifier": "identifier", "wikidata": "Wikidata"}
        out = set()
        for r in rows:
            field = fields.get(re.split(r"[#/]", r["p"])[-1], "name")
            text = r["v"]
            node = _key(r["e"])
            out.add((normalize(text), node, field, text))
            if field == "identifier" and ":" in text:  # SCHEME:VALUE: the value alone too
                out.add((normalize(text.split(":", 1)[1]), node, field, text))
        for node in self._labels(()):
            out.add((normalize(node), node, "id", node))
        return sorted(out)

    def _labels(self, ids) -> dict:
        adj = self.adjacency
        if ids:
            return {i: adj.node(i) for i in ids}
        return {row[0]: {"kind": row[1], "label": row[2], "label_fr": row[3]}
                for row in adj.conn.execute("SELECT id, kind, label, label_fr FROM actor")}

    def close(self) -> None:
        adj = getattr(self._local, "adj", None)
        if adj is not None:
            adj.close()
            self._local.adj = None

    # -- the questions ---------------------------------------------------------------

    def _card(self, node: str) -> dict:
        info = self.adjacency.node(node)
        n, amount = self.sizes().get(node, (0, 0.0))
        return {"id": node, "label": info.get("label", node), "label_fr": info.get("label_fr", ""),
                "kind": info.get("kind", ""), "relations": n, "amount": amount or None}

    def search(self, q: str, limit=20) -> dict:
        """Actors whose name, alias (any language) or identifier (UEI, CAGE, a register's
        id, Wikidata) matches ``q``, accents and case ignored, and the actors of a contract
        whose PIID is ``q``: exact matches first, then names starting with it, then names
        with a word starting with it, then names containing it; ties by portfolio size."""
        from graph.lookup import normalize

        limit = _int(limit, "limit", 20, 1, 200)
        q = (q or "").strip()
        if not q:
            raise ApiError("search needs q=TEXT")
        if len(q) > 200:
            raise ApiError("q is longer than 200 characters")
        key = normalize(q)
        best: dict = {}
        sizes = self.sizes()
        if key:
            for text, node, field, shown in self.index():
                if key not in text:
                    continue
                rank = 0 if text == key else 1 if text.startswith(key) else 2 if f" {key}" in f" {text}" else 3
                if node not in best or rank < best[node][0]:
                    best[node] = (rank, field, shown)
        for node, shown in self._by_piid(q):
            best[node] = min(best.get(node, (9, "", "")), (0, "PIID", shown))
        ranked = sorted(best, key=lambda n: (best[n][0], -sizes.get(n, (0, 0))[0], -sizes.get(n, (0, 0.0))[1], n))
        results = []
        for node in ranked[:limit]:
            card = self._card(node)
            card.update(matched=best[node][1], text=best[node][2])
            results.append(card)
        return {"q": q, "results": results, "more": max(0, len(ranked) - limit)}

    def _by_piid(self, q: str) -> list[tuple[str, str]]:
        """The actors of the contracts numbered ``q`` (as typed or upper case): an index lookup."""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{3,49}", q) or not any(c.isdigit() for c in q):
            return []
        from rdflib import Literal

        from graph.store.actors import _key

        values = " ".join(sorted({Literal(q).n3(), Literal(q.upper()).n3()}))
        rows = self.store.select_plain(f"""SELECT DISTINCT ?a ?n WHERE {{ VALUES ?n {{ {values} }}
            ?f dai:contractNumber ?n ; dai:contractor|dai:awardingAgency ?a }}""", timeout=30)
        return sorted({(_key(r["a"]), r["n"]) for r in rows})

    def actor(self, node: str) -> dict:
        """One actor: its names, kind, identifiers, description and portfolio."""
        from rdflib import URIRef

        from graph.iris import BASE

        node = self._known(node)
        card = self._card(node)
        rows = self.store.select_plain(f"""SELECT ?p ?v WHERE {{ {URIRef(BASE + "id/" + node).n3()} ?p ?v .
            VALUES ?p {{ skos:altLabel dai:uei dai:cageCode dai:identifier dai:wikidata dai:description
                        dai:website }} }}""", timeout=30)
        grouped = defaultdict(set)
        for r in rows:
            grouped[re.split(r"[#/]", r["p"])[-1]].add(r["v"])
        card["aliases"] = sorted(grouped.pop("altLabel", ()))
        card["description"] = sorted(grouped.pop("description", ()))
        card["identifiers"] = {k: sorted(v) for k, v in sorted(grouped.items())}
        by_relation: dict = defaultdict(lambda: [0, 0])
        for _a, _b, rel, facts, _amount, _f, _l in self.adjacency.around(node):
            by_relation[rel][0] += 1
            by_relation[rel][1] += facts
        card["by_relation"] = {k: {"actors": v[0], "facts": v[1]} for k, v in sorted(by_relation.items())}
        return card

    def _known(self, node) -> str:
        if not isinstance(node, str) or not node or len(node) > 300:
            raise ApiError("an actor id is needed")
        if node in self.adjacency:
            return node
        try:
            return self.graph.find(node)
        except GraphError as exc:
            raise ApiError(str(exc), status=404) from None

    def expand(self, node: str, *, limit=50, offset=0, relation=None, since=None, until=None, kind=None) -> dict:
        """The actors one relation away from ``node``, largest first (summed amount, then
        number of facts), ``limit`` of them from ``offset``, with how many more there are
        and how many of each relation kind; ``relation`` (comma-separated kinds), ``since``
        / ``until`` (the relation has dated facts and its first..last dates meet the
        range) and ``kind`` (of the neighbour) filter them."""
        node = self._known(node)
        limit = _int(limit, "limit", 50, 1, 1000)
        offset = _int(offset, "offset", 0, 0, 10_000_000)
        wanted = _relations(relation)
        since, until = _day(since, "since"), _day(until, "until")
        adj = self.adjacency
        grouped: dict = {}
        counts: dict = defaultdict(int)
        for a, b, rel, facts, amount, first, last in adj.around(node):
            other = b if a == node else a
            if wanted and rel not in wanted:
                continue
            if (since or until) and not first:  # no date: not in any range
                continue
            if since and (last or first)[: len(since)] < since:
                continue
            if until and first[: len(until)] > until:
                continue
            counts[rel] += 1
            g = grouped.setdefault(other, {"amount": 0.0, "facts": 0, "relations": []})
            g["amount"] += float(amount) if amount else 0.0
            g["facts"] += facts
            g["relations"].append({"from": a, "to": b, "relation": rel, "facts": facts,
                                   "amount": float(amount) if amount else None, "first": first, "last": last})
        infos = self._labels(list(grouped))
        if kind:
            grouped = {k: v for k, v in grouped.items() if infos[k].get("kind") == kind}
        order = sorted(grouped, key=lambda k: (-grouped[k]["amount"], -grouped[k]["facts"], k))
        page = order[offset: offset + limit]
        neighbours = []
        for other in page:
            card = self._card(other)
            card.update(link_amount=grouped[other]["amount"] or None, link_facts=grouped[other]["facts"],
                        links=grouped[other]["relations"])
            neighbours.append(card)
        return {"actor": self._card(node), "neighbours": neighbours, "total": len(order), "offset": offset,
                "more": max(0, len(order) - offset - len(page)), "by_relation": dict(sorted(counts.items()))}

    def edges_among(self, ids: list[str]) -> dict:
        """The actors ``ids`` and the relations between them (a shared view, reloaded)."""
        if len(ids) > 2000:
            raise ApiError("at most 2,000 actors in one view")
        known = [i for i in dict.fromkeys(ids) if i in self.adjacency]
        chosen = set(known)
        links = []
        for node in known:
            for a, b, rel, facts, amount, first, last in self.adjacency.around(node):
                if a == node and b in chosen:
                    links.append({"from": a, "to": b, "relation": rel, "facts": facts,
                                  "amount": float(amount) if amount else None, "first": first, "last": last})
        return {"actors": [self._card(i) for i in known], "links": links,
                "unknown": [i for i in ids if i not in chosen][:20]}

    def facts(self, a: str, b: str, *, relation=None, offset=0, limit=20) -> dict:
        """The facts behind the relations of ``a`` and ``b`` (of the kinds ``relation``),
        largest amount first, each with its sources and exact quotes; paged."""
        from graph.store.actors import hop_facts

        a, b = self._known(a), self._known(b)
        wanted = _relations(relation)
        offset = _int(offset, "offset", 0, 0, 100_000)
        limit = _int(limit, "limit", 20, 1, 200)
        links = [e for e in self.adjacency.edges(a, b) if not wanted or e[2] in wanted]
        total = sum(e[3] for e in links)
        rows = hop_facts(self.store, a, b, limit=offset + limit, links=links) if links else []
        page = rows[offset: offset + limit]
        return {"a": a, "b": b, "total": total, "offset": offset, "facts": page,
                "more": max(0, total - offset - len(page))}

    def path(self, a: str, b: str, *, limit=3) -> dict:
        """Shortest paths between ``a`` and ``b`` over the whole graph (not only what is
        drawn), each hop with its facts (what ``kg path`` prints)."""
        from graph.store.actors import shortest_paths

        a, b = self._known(a), self._known(b)
        limit = _int(limit, "limit", 3, 1, 10)
        paths = shortest_paths(self.store, self.adjacency, a, b, limit=limit)
        cards = {n: self._card(n) for p in paths for hop in p for n in (hop["from"], hop["to"])}
        return {"a": a, "b": b, "paths": paths, "actors": cards}

    def start(self, n=40) -> dict:
        """The first view: the ``n`` actors with the most relations, and their relations."""
        n = _int(n, "n", 40, 1, 500)
        return self.edges_among(self.adjacency.top_actors(n))

    def queries(self) -> list[dict]:
        """The saved queries (``kg query --list``) with their parameters."""
        from queries import saved

        return [{"name": q.name, "title": q.title, "question": q.question, "text": q.text,
                 "params": [{"name": p.name, "type": p.type, "description": p.description} for p in q.params]}
                for q in saved().values()]

    def saved_params(self, name: str, raw: dict) -> tuple[str, dict]:
        """The text of the saved query ``name`` and its parameters as RDF terms (an
        ``actor`` parameter is a name: see :func:`graph.queryparams.bind`)."""
        from graph.queryparams import bind
        from queries import saved

        library = saved()
        if name not in library:
            raise ApiError(f"no saved query named {name[:60]!r}", status=404)
        chosen = library[name]
        declared = {p.name for p in chosen.params}
        return chosen.text, bind(chosen, {k: v for k, v in raw.items() if k in declared}, self.store)
