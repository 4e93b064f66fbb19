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

__all__ = ["Explorer", "ApiError", "IndexNotReady", "RELATIONS"]

#: the kinds of relation the aggregated view draws (graph.store.actors._PAIRS)
RELATIONS = ("Contract", "Partnership", "Competition", "Investment", "Subsidiary", "SubUnit", "Involvement", "Event",
             "Subaward", "Position")

_DAY = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
#: seconds a client is told to wait (Retry-After) while the index is made
RETRY_AFTER = 5


class ApiError(DataError):
    """A request the API cannot answer as asked (a bad parameter, an unknown actor): 400,
    or ``status`` (404 for an unknown actor)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class IndexNotReady(ApiError):
    """The search index is being made (a new store generation): 503, with the step it is at
    and a ``Retry-After``; ``body``: the step, the seconds so far and the seconds to wait,
    for the explorer to show as it waits.

    >>> import time
    >>> busy = IndexNotReady(("serve index: the Contract facts (2/10)", time.monotonic()))
    >>> str(busy)[:52], busy.body["building"]["step"], busy.headers
    ('the search index of this store generation is being m', 'the Contract facts (2/10)', {'Retry-After': '5'})
    """

    def __init__(self, making: tuple[str, float]):
        import time

        step, since = making
        step = step.removeprefix("serve index: ")
        seconds = round(time.monotonic() - since)
        super().__init__(f"the search index of this store generation is being made ({step}, "
                         f"{seconds} s so far): try again in a moment", 503)
        self.headers = {"Retry-After": str(RETRY_AFTER)}
        #: said in the 503's JSON beside the error: the explorer shows it and asks again
        self.body = {"building": {"step": step, "seconds": seconds, "retry_after": RETRY_AFTER}}


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
        self._shared = None  # the SearchIndex, shared by threads when it lives in memory
        self._making: tuple[str, float] | None = None  # while warm() makes it: (its step, since)
        self._maker: int | None = None  # the thread making it
        self._stopping = threading.Event()  # set by stop(): the index being made is given up
        self._warming: threading.Thread | None = None
        self._units: dict | None = None

    # -- shared state ----------------------------------------------------------------

    @property
    def adjacency(self):
        """This thread's :class:`~graph.store.adjacency.Adjacency` of the store's view."""
        adj = getattr(self._local, "adj", None)
        if adj is None:
            from graph.store.adjacency import Adjacency

            self._not_while_made()
            adj = self._local.adj = Adjacency.of(self.store)
        return adj

    @property
    def index(self):
        """This thread's :class:`~graph.serve.index.SearchIndex` (made once, kept beside the
        store). While :meth:`warm` makes it in another thread, :class:`IndexNotReady`."""
        ix = getattr(self._local, "index", None)
        if ix is None:
            import sqlite3

            from graph.serve.index import SearchIndex

            self._not_while_made()
            shared = self.warm()
            path = shared.conn.execute("PRAGMA database_list").fetchone()[2]
            ix = SearchIndex(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) if path else shared
            self._local.index = ix
        return ix

    def warm(self, progress=None):
        """Make (or read back) the search index now, saying each step to ``progress``: what
        ``kg serve`` does in a thread as it starts. Until it is made, a request that needs it
        answers 503 with the step it is at (:class:`IndexNotReady`), without waiting."""
        import time

        from graph.serve.index import SearchIndex

        def step(message: str) -> None:
            if self._stopping.is_set():  # the server stops: give up at this step (nothing kept)
                raise IndexNotReady(("stopped", time.monotonic()))
            if message:
                self._making = (message, self._making[1])
            if progress:
                progress(message)

        with self._lock:
            if self._shared is None:
                from graph.store.adjacency import Adjacency

                self._making, self._maker = ("reading the store", time.monotonic()), threading.get_ident()
                try:
                    if getattr(self._local, "adj", None) is None:
                        self._local.adj = Adjacency.of(self.store, progress=step)
                    self._shared = SearchIndex.of(self.store, self._local.adj, step)
                finally:
                    self._making = self._maker = None
            return self._shared

    def _not_while_made(self) -> None:
        """:class:`IndexNotReady` if another thread is making the index (and the adjacency)."""
        making = self._making
        if making is not None and self._maker != threading.get_ident():
            raise IndexNotReady(making)

    def warm_in_background(self, progress=None, failed=None) -> threading.Thread:
        """:meth:`warm` in a thread, started now: from this call on, a request that needs the
        index answers 503 until it is made. ``failed(exc)``: told if it cannot be made (a
        request then tries again, and says why)."""
        import time

        self._making = ("reading the store", time.monotonic())

        def run() -> None:
            try:
                self.warm(progress)
            except Exception as exc:  # noqa: BLE001 - a request meets it again, and says it
                self._making = None
                if failed and not self._stopping.is_set():  # (stopped: the store was closed under it)
                    failed(exc)

        thread = self._warming = threading.Thread(target=run, name="kg-serve-index", daemon=True)
        thread.start()
        return thread

    def stop(self, timeout: float = 10.0) -> None:
        """Give up making the index (the server stops, the store is about to be closed): the
        thread of :meth:`warm_in_background` ends at its next step, waited for at most
        ``timeout`` seconds (a query of the store runs to its end), and says nothing of it.

        >>> from graph.store import open_store
        >>> with open_store(data_dir="data") as store:
        ...     ex = Explorer(store)
        ...     _ = ex.warm_in_background(failed=print)
        ...     ex.stop()
        >>> ex._warming.is_alive()
        False
        """
        self._stopping.set()
        if self._warming is not None:
            self._warming.join(timeout)

    def close(self) -> None:
        for name in ("adj", "index"):
            found = getattr(self._local, name, None)
            if found is not None and found is not self._shared:
                found.close()
            setattr(self._local, name, None)

    # -- the questions ---------------------------------------------------------------

    def _card(self, node: str, card: dict | None = None) -> dict:
        """An actor's card (:meth:`graph.serve.index.SearchIndex.card`); an agency's says the
        agency it is part of at the top (``agency``, ``agency_label``), its group in the explorer."""
        card = card or self.index.card(node)
        if card["kind"] == "GovernmentAgency":
            top = self._agencies(node)[-1]
            card["agency"] = top
            card["agency_label"] = card["label"] if top == node else self.index.card(top)["label"]
        return card

    def search(self, q: str, limit=20) -> dict:
        """Actors whose name, alias (any language) or identifier (UEI, CAGE, a register's
        id, Wikidata) matches ``q``, the actors of a contract whose PIID is ``q``, then the
        actors of the facts whose quotes hold its words and of the sources whose titles do;
        accents and case ignored; ranked (see :meth:`graph.serve.index.SearchIndex.search`),
        each hit with its kind and portfolio (relations, amount)."""
        limit = _int(limit, "limit", 20, 1, 200)
        q = (q or "").strip()
        if not q:
            raise ApiError("search needs q=TEXT")
        if len(q) > 200:
            raise ApiError("q is longer than 200 characters")
        piid = self._by_piid(q)
        hits = self.index.search(q, limit + len(piid), quote_text=self._quotes)
        first = []
        for node, shown in piid:
            card = self._card(node)
            card.update(matched="PIID", text=shown)
            first.append(card)
        seen = {h["id"] for h in first}
        results = first + [h for h in hits if h["id"] not in seen]
        return {"q": q, "results": results[:limit], "more": max(0, len(results) - limit)}

    def _quotes(self, facts: list[str]) -> dict[str, list[str]]:
        """The quotes of the facts ``facts`` (IRIs), read from the store."""
        from rdflib import URIRef

        values = " ".join(URIRef(f).n3() for f in facts)
        rows = self.store.select_plain(f"""SELECT ?f ?q WHERE {{ VALUES ?f {{ {values} }}
            ?f dai:citation ?c . ?c dai:quote ?q }}""", timeout=30)
        out: dict = defaultdict(list)
        for r in rows:
            out[r["f"]].append(r["q"])
        return {k: sorted(v) for k, v in out.items()}

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

    def filters(self, relation=None, since=None, until=None, source=None):
        """The :class:`~graph.serve.index.Filters` of a request's parameters (ApiError if one is bad)."""
        from graph.serve.index import Filters

        since, until = _day(since, "since"), _day(until, "until")
        if since and until and since[:len(until)] > until[:len(since)]:
            raise ApiError(f"since ({since}) is after until ({until})")
        source = (source or "").strip()
        if source and self.index.conn.execute("SELECT 1 FROM source WHERE id = ?", (source,)).fetchone() is None:
            raise ApiError(f"no source {source[:60]!r}", status=404)
        return Filters(frozenset(_relations(relation)), since, until, source)

    def _relations_of(self, node: str, filters) -> list[tuple]:
        if filters.narrows:
            return self.index.relations_of(node, filters)
        rows = self.adjacency.around(node)
        return [r for r in rows if r[2] in filters.relations] if filters.relations else rows

    def units(self) -> dict[str, str]:
        """Each agency unit's parent (read once)."""
        index = self.index  # first: warm() takes the same lock
        with self._lock:
            if self._units is None:
                self._units = index.parents()
            return self._units

    def _agencies(self, node: str) -> list[str]:
        """``node`` and the agencies above it, nearest first."""
        parents, chain = self.units(), [node]
        while chain[-1] in parents and parents[chain[-1]] not in chain and len(chain) < 20:
            chain.append(parents[chain[-1]])
        return chain

    def expand(self, node: str, *, limit=50, offset=0, relation=None, since=None, until=None, kind=None,
               agency=None, source=None) -> dict:
        """The actors one relation away from ``node``, largest first (summed amount, then
        number of facts), ``limit`` of them from ``offset``, with how many more there are,
        how many of each relation kind and of each agency (``agencies``: the agencies among
        them and those above them). Filters: ``relation`` (comma-separated kinds), ``since``
        / ``until`` (facts dated in the range), ``source`` (facts that source states),
        ``agency`` (neighbours that are that agency or one of its units) and ``kind`` (of
        the neighbour); ``by_relation`` and ``agencies`` count under every filter but their own."""
        node = self._known(node)
        limit = _int(limit, "limit", 50, 1, 1000)
        offset = _int(offset, "offset", 0, 0, 10_000_000)
        filters = self.filters(relation, since, until, source)
        from dataclasses import replace

        within = None
        if agency:
            within = self.index.units(self._known(agency))
        rows = self._relations_of(node, replace(filters, relations=frozenset()))
        grouped: dict = {}
        counts: dict = defaultdict(int)
        agencies: dict = defaultdict(int)
        kinds = self.index.kinds({b if a == node else a for a, b, *_rest in rows})
        for a, b, rel, facts, amount, first, last in rows:
            other = b if a == node else a
            if kind and kinds[other] != kind:
                continue
            in_agency = within is None or other in within
            in_relation = not filters.relations or rel in filters.relations
            if in_agency:
                counts[rel] += 1
            if in_relation and kinds[other] == "GovernmentAgency":
                for up in self._agencies(other):
                    agencies[up] += 1
            if not (in_agency and in_relation):
                continue
            g = grouped.setdefault(other, {"amount": 0.0, "facts": 0, "relations": []})
            g["amount"] += float(amount) if amount else 0.0
            g["facts"] += facts
            g["relations"].append({"from": a, "to": b, "relation": rel, "facts": facts,
                                   "amount": float(amount) if amount else None, "first": first, "last": last})
        order = sorted(grouped, key=lambda k: (-grouped[k]["amount"], -grouped[k]["facts"], k))
        page = order[offset: offset + limit]
        neighbours = []
        for other in page:
            card = self._card(other)  # with its agency
            card.update(link_amount=grouped[other]["amount"] or None, link_facts=grouped[other]["facts"],
                        links=grouped[other]["relations"])
            neighbours.append(card)
        top = sorted(agencies, key=lambda k: (-agencies[k], k))[:30]
        return {"actor": self._card(node), "neighbours": neighbours, "total": len(order), "offset": offset,
                "more": max(0, len(order) - offset - len(page)), "by_relation": dict(sorted(counts.items())),
                "agencies": [{"id": k, "label": self._card(k)["label"], "relations": agencies[k]} for k in top],
                "filters": {"relation": ",".join(sorted(filters.relations)), "since": filters.since,
                            "until": filters.until, "source": filters.source, "agency": agency or "",
                            "kind": kind or ""}}

    def edges_among(self, ids: list[str], *, since=None, until=None, source=None) -> dict:
        """The actors ``ids`` and the relations between them (a shared view, reloaded); with
        a date range or a source, the relations made of the facts that pass them."""
        if len(ids) > 2000:
            raise ApiError("at most 2,000 actors in one view")
        filters = self.filters(None, since, until, source)
        import json

        cards = self.index.cards(list(dict.fromkeys(ids)))
        known = [i for i in cards if cards[i]["kind"]]
        chosen = set(known)
        if filters.narrows:
            rows = self.index.relations_among(known, filters)
        else:  # the aggregated view's relations among them: an index lookup per actor
            among = json.dumps(sorted(chosen))
            rows = self.adjacency.conn.execute(
                "SELECT * FROM edge WHERE a IN (SELECT value FROM json_each(?)) AND b IN (SELECT value FROM "
                "json_each(?)) AND a != b ORDER BY a, b, relation", (among, among)).fetchall()
        links = [{"from": a, "to": b, "relation": rel, "facts": facts, "amount": float(amount) if amount else None,
                  "first": first, "last": last} for a, b, rel, facts, amount, first, last in rows]
        return {"actors": [self._card(i, cards[i]) for i in known], "links": links,
                "unknown": [i for i in ids if i not in chosen][:20]}

    def static_page(self, ids: list[str], *, title: str = "", since=None, until=None, source=None) -> str:
        """The offline single-file explorer (:func:`graph.exporters.html.generate`) of the
        actors ``ids`` and the relations among them: on a store small enough to read back,
        every fact with its sources and quotes; else the aggregated relations."""
        from graph.exporters.html import generate
        from graph.store.actors import explorer_view, to_graph
        from graph.store.readback import fits, knowledge_graph

        view = self.edges_among(ids, since=since, until=until, source=source)
        chosen = [a["id"] for a in view["actors"]]
        if not chosen:
            raise ApiError("no actor to write: ids=ID,ID,... of actors in the graph")
        title = (title or "defense-ai-graph").strip()[:200]
        filters = self.filters(None, since, until, source)
        if fits(self.store) and not filters.narrows:
            with self._lock:
                if getattr(self, "_actors", None) is None:
                    self._actors = knowledge_graph(self.store, None, what="the static page").actors
                actors = self._actors
            shown = actors.subgraph([c for c in chosen if c in actors]).copy()
        else:
            nodes = [[a["id"], a["kind"], a["label"], a["label_fr"]] for a in view["actors"]]
            edges = sorted([lk["from"], lk["to"], lk["relation"], lk["facts"],
                            None if lk["amount"] is None else repr(lk["amount"]), lk["first"], lk["last"]]
                           for lk in view["links"])
            shown = to_graph(sorted(nodes), edges)
            shown = explorer_view(shown, shown, cite="kg path {a} {b}")
        return "".join(generate(shown, title=title))

    def query_view(self, answer) -> dict:
        """The actors a SPARQL answer names (an actor's IRI, or a fact's: its actors), at
        most 500, and the relations among them: a query's result drawn in the explorer."""
        from graph.iris import BASE

        iris = set()
        for row in answer.rows:
            iris.update(c[1] for c in row if c and c[0] == "uri")
        for t in answer.triples:
            for term in (t.subject, t.object):
                if hasattr(term, "value"):
                    iris.add(term.value)
        if answer.rdflib_graph is not None:
            for s, _p, o in answer.rdflib_graph:
                iris.update((str(s), str(o)))
        actors = {i[len(BASE) + 3:] for i in iris if i.startswith(BASE + "id/")}
        facts = sorted(i for i in iris if i.startswith(BASE + "fact/"))
        if facts:
            import json

            actors.update(r[0] for r in self.index.conn.execute(
                "SELECT f.a FROM fact f JOIN fact_id i ON i.fid = f.fid "
                "WHERE i.iri IN (SELECT value FROM json_each(?)) "
                "UNION SELECT f.b FROM fact f JOIN fact_id i ON i.fid = f.fid "
                "WHERE i.iri IN (SELECT value FROM json_each(?))", (json.dumps(facts), json.dumps(facts))))
        known = sorted(a for a in actors if a in self.adjacency)
        view = self.edges_among(known[:500])
        view["more"] = max(0, len(known) - 500)
        return view

    def facts(self, a: str, b: str, *, relation=None, offset=0, limit=20, since=None, until=None,
              source=None) -> dict:
        """The facts behind the relations of ``a`` and ``b`` (of the kinds ``relation``,
        dated ``since``..``until``, stated by ``source``), largest amount first, each with
        its sources and exact quotes; paged."""
        a, b = self._known(a), self._known(b)
        filters = self.filters(relation, since, until, source)
        offset = _int(offset, "offset", 0, 0, 10_000_000)
        limit = _int(limit, "limit", 20, 1, 200)
        total, page = self._fact_page(a, b, filters, offset, limit)
        return {"a": a, "b": b, "total": total, "offset": offset, "facts": page,
                "more": max(0, total - offset - len(page))}

    def _fact_page(self, a: str, b: str, filters, offset: int, limit: int) -> tuple[int, list[dict]]:
        """The facts of one page, read from the store: the index says which (in the order of
        :func:`graph.store.actors.hop_facts`), the store gives them with their quotes."""
        from rdflib import URIRef

        from graph.store.actors import hop_facts

        links = [e for e in self.adjacency.edges(a, b) if not filters.relations or e[2] in filters.relations]
        total, iris = self.index.fact_page(a, b, filters, offset, limit)
        if not iris or not links:
            return total, []
        chosen = "VALUES ?f { " + " ".join(URIRef(i).n3() for i in iris) + " }"
        return total, hop_facts(self.store, a, b, limit=len(iris), links=links, valid=chosen)

    def path(self, a: str, b: str, *, limit=3, since=None, until=None, source=None, relation=None) -> dict:
        """Shortest paths between ``a`` and ``b`` over the whole graph (not only what is
        drawn), each hop with its facts (what ``kg path`` prints); with filters, over the
        facts that pass them only, and each hop shows those."""
        from graph.serve.index import shortest_node_paths

        a, b = self._known(a), self._known(b)
        limit = _int(limit, "limit", 3, 1, 10)
        filters = self.filters(relation, since, until, source)
        if not filters.narrows and not filters.relations:
            linked = self.adjacency.linked
        else:
            def linked(node):  # the view made of the facts that pass the filters
                return self.index.linked(node, filters)
        paths = [[{"from": u, "to": v, "facts": self._fact_page(u, v, filters, 0, 20)[1]}
                  for u, v in zip(p, p[1:], strict=False)] for p in shortest_node_paths(linked, a, b, limit)]
        cards = {n: self._card(n) for p in paths for hop in p for n in (hop["from"], hop["to"])}
        cards.update({a: self._card(a), b: self._card(b)})
        return {"a": a, "b": b, "paths": paths, "actors": cards}

    def sources(self) -> list[dict]:
        """The sources (id, title, how many facts each states), for the source filter."""
        return self.index.sources()

    def start(self, n=40, *, since=None, until=None, source=None) -> dict:
        """The first view: the ``n`` actors with the most relations, and their relations."""
        n = _int(n, "n", 40, 1, 500)
        return self.edges_among(self.index.top_actors(n), since=since, until=until, source=source)

    def flags_list(self) -> list[dict]:
        """The red flags (``kg flags``): name, title and question of each."""
        from graph.flags import library

        return [{"name": f.name, "title": f.title, "question": f.question} for f in library().values()]

    def flag_hits(self, name: str, since=None, until=None, source=None, limit=500) -> dict:
        """The hits of the flag ``name`` (:func:`graph.flags.run`, its default thresholds),
        each with the actors and relations it is about (to mark them in the explorer) and its
        evidence as lines of text (facts, sources, quotes). Kept beside the store once run.
        ``since``: the flag's own threshold where it has one; ``until`` and ``source`` are
        the explorer's filters, not the flag's, and are not used here."""
        import json

        from graph import flags
        from graph.store.actors import _key
        from graph.store.base import kept_value

        library = flags.library()
        if name not in library:
            raise ApiError(f"no flag named {str(name)[:60]!r} (kg flags --list)", status=404)
        limit = _int(limit, "limit", 500, 1, 5000)
        since = _day(since, "since")
        has_since = any(p.name == "since" for p in library[name].params)
        since = since if has_since else ""

        def compute():
            out = []
            for h in flags.run(self.store, [name], since=since or None, evidence=3, timeout=600):
                facts = list(h.facts)
                rows = self.index.conn.execute(
                    "SELECT DISTINCT f.a, f.b FROM fact f JOIN fact_id i ON i.fid = f.fid "
                    "WHERE i.iri IN (SELECT value FROM json_each(?)) AND f.relation != ''",
                    (json.dumps(facts[:200]),)).fetchall()
                ends = [_key(x) for x in (h.office, h.contractor, *h.parties) if x]
                pairs = sorted({tuple(r) for r in rows} | ({(_key(h.office), _key(h.contractor))}
                                                          if h.office and h.contractor else set()))
                actors = sorted({*ends, *(x for p in pairs for x in p)})
                labels = {_key(k): v for k, v in h.labels.items()}
                who = " → ".join(labels.get(_key(x), _key(x)) for x in (h.office, h.contractor) if x)
                title = labels.get(_key(h.subject), "") if h.subject else ""
                measures = "; ".join(f"{k} {flags._shown(v)}" for k, v in h.measures.items() if v not in (None, ""))
                evidence = [measures] if measures else []
                for e in h.evidence:
                    for c in e.get("citations", [])[:2]:
                        evidence.append(f"{e.get('label') or _key(e.get('fact', ''))} — {c.get('source', '')}: "
                                        f"“{c.get('quote', '')}”")
                out.append({"label": " · ".join(x for x in (title, who) if x) or library[name].title,
                            "score": float(h.score), "actors": [a for a in actors if a in self.adjacency],
                            "pairs": [list(p) for p in pairs], "labels": labels, "evidence": evidence,
                            "facts": [_key(f) for f in h.facts[:50]]})
            return out

        import hashlib

        digest = hashlib.sha256(library[name].query.text.encode("utf-8")).hexdigest()[:16]
        version = f"serve-flags-1:{name}:{since}:{digest}"
        hits = kept_value(self.store, f"serve-flag-{name}", version, compute)
        return {"name": name, "title": library[name].title, "question": library[name].question,
                "total": len(hits), "hits": hits[:limit], "more": max(0, len(hits) - limit)}

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
