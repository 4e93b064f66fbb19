"""The actor view at scale: aggregated by SPARQL in the store, not pulled into Python.

The in-memory actor view (:func:`graph.views.actor_view`) has one edge per fact and pair
of actors, with every citation: right for the curated graph, a hairball at a million
awards. Here the store does the work, in one aggregate query: **one edge per pair of
actors and relationship**, with how many facts draw it, the sum of their amounts (the
obligated amount, else the stated value), and the first and last of their dates. The pairs
are the ones :func:`graph.views.actor_view` draws (agency -> contractor as one source pairs
them, child -> parent, investor -> investee, partners, competitors, ...). Only the facts
behind one edge (:func:`hop_facts`) or around one actor are read in full.

Works on every backend (it only needs :meth:`graph.store.base.Store.select`).

Example
-------
>>> from graph.store import open_store
>>> with open_store(data_dir="data") as store:
...     view = actor_view(store)
...     found = find_actor(store, "pentagone")
>>> view.has_edge("dod", "openai-public-sector"), found
(True, 'dod')
"""

from __future__ import annotations

import re

import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from typing import TYPE_CHECKING

from graph.errors import DataError
from graph.iris import BASE, NAMESPACE
from graph.store.base import kept_value

if TYPE_CHECKING:  # networkx and rdflib are imported on use: a kept result needs neither
    import networkx as nx

__all__ = ["actor_view", "aggregate", "to_graph", "stats", "find_actor", "lookup_graph", "hop_facts", "shortest_paths", "top", "explorer_view",
           "ACTOR_VALUES", "EDGES_QUERY", "CONTRACTS_QUERY"]

#: the actor classes, as a VALUES list
ACTOR_VALUES = " ".join(f"dai:{k}" for k in ("Company", "GovernmentAgency", "Organization", "Person", "Program",
                                              "Product"))

#: the pairs each kind of fact draws (as graph.views._ends): relation, pattern binding ?f ?a ?b.
#: Oxigraph joins in the order written: the rarest pattern comes first.
_PAIRS = [
    ("Contract", "GRAPH ?g { ?f dai:awardingAgency ?a ; dai:contractor ?b } ?f a dai:Contract ."),
    ("Contract", "?f dai:program ?b ; dai:contractor ?a . FILTER (?a != ?b)"),
    ("Partnership", "?f dai:party ?a , ?b ; a dai:Partnership . FILTER (STR(?a) < STR(?b))"),
    ("Competition", "?f dai:competitor ?a , ?b ; a dai:Competition . FILTER (STR(?a) < STR(?b))"),
    ("Investment", "?f dai:investor ?a ; dai:investee ?b ; a dai:Investment ."),
    ("Subsidiary", "?f a dai:Subsidiary ; dai:child ?a ; dai:parent ?b ."),
    ("SubUnit", "?f a dai:SubUnit ; dai:child ?a ; dai:parent ?b ."),
    ("Involvement", "?f a dai:Involvement ; dai:actor ?a ; dai:program|dai:product ?b ."),
    ("Event", "?f a dai:Event ; dai:participant ?a ; dai:about|dai:program|dai:product ?b . FILTER (?a != ?b)"),
    ("Subaward", "?f dai:primeRecipient ?a ; dai:subRecipient ?b ; a dai:Subaward . FILTER (?a != ?b)"),
    ("Position", "?f a dai:Position ; dai:holder ?a ; dai:organization ?b ."),
]
_UNDIRECTED = {"Partnership", "Competition"}

#: one row per pair of actors for one relationship (``%s``: the pattern of :data:`_PAIRS`):
#: facts, summed amount, first and last date. One query per relationship, and no class
#: test on the actors (Python keeps the pairs of actors): Oxigraph plans these best.
EDGES_QUERY = """SELECT ?a ?b (COUNT(?f) AS ?facts) (SUM(?amount) AS ?total) (MIN(?day) AS ?first) (MAX(?day) AS ?last)
WHERE {
  { SELECT ?f ?a ?b (MAX(?amt) AS ?amount) (MIN(?d) AS ?day) WHERE {
      %s
      #VALID
      OPTIONAL { ?f dai:obligatedAmount|dai:value ?money . ?money dai:amount ?amt }
      OPTIONAL { ?f dai:date|dai:startDate ?d }
  } GROUP BY ?f ?a ?b }
}
GROUP BY ?a ?b"""

#: the agency -> contractor edges, the bulk of the view at scale: the same aggregates, each
#: part in a sub-query so that Oxigraph joins them by hashing (five times faster than the
#: index lookups of the general form at 100,000 awards). dai:awardingAgency and
#: dai:contractor only describe contracts; the amount is the obligated amount.
CONTRACTS_QUERY = """SELECT ?a ?b (COUNT(?f) AS ?facts) (SUM(?amount) AS ?total) (MIN(?day) AS ?first) (MAX(?day) AS ?last)
WHERE {
  { SELECT DISTINCT ?f ?a ?b WHERE {
      { SELECT ?f ?a ?g WHERE { GRAPH ?g { ?f dai:awardingAgency ?a } } }
      { SELECT ?f ?b ?g WHERE { GRAPH ?g { ?f dai:contractor ?b } } }
      #VALID
  } }
  OPTIONAL { SELECT ?f (MAX(?amt) AS ?amount) WHERE {
      { SELECT ?f ?money WHERE { ?f dai:obligatedAmount ?money } }
      { SELECT ?money ?amt WHERE { ?money dai:amount ?amt } } } GROUP BY ?f }
  OPTIONAL { SELECT ?f (MIN(?d) AS ?day) WHERE { ?f dai:date|dai:startDate ?d } GROUP BY ?f }
}
GROUP BY ?a ?b"""

_KINDS_QUERY = "SELECT ?e ?kind WHERE { VALUES ?kind { %s } ?e a ?kind }" % ACTOR_VALUES
_LABELS_QUERY = """SELECT ?e ?l (LANG(?l) AS ?lang) WHERE {
  { SELECT DISTINCT ?e WHERE { VALUES ?kind { %s } ?e a ?kind } }
  { SELECT ?e ?l WHERE { ?e rdfs:label ?l } }
}""" % ACTOR_VALUES


def valid_filter(store, day: str) -> str:
    """A SPARQL filter on ``?f`` keeping the facts that hold on ``day`` (``YYYY-MM-DD``), as
    :func:`graph.timeline.holds_at` decides: ISO dates of any precision compare as text (the
    earliest start is a prefix-wise ``<=``, the latest end covers its month or year); the
    few facts with a ``dai:duration`` are decided in Python.

    >>> from graph.store import open_store
    >>> with open_store(data_dir="data") as store:
    ...     "2025-01-31" in valid_filter(store, "2025-01-31")
    True
    """
    from graph.timeline import holds_at, parse_day

    when = parse_day(day)
    values: dict = {}
    for r in store.select("""SELECT ?f ?p ?v WHERE { ?f dai:duration ?any .
            VALUES ?p { dai:startDate dai:date dai:endDate dai:duration } ?f ?p ?v }""", timeout=600):
        values.setdefault(r["f"], {}).setdefault(_local(r["p"]), set()).add(r["v"])
    dropped = " ".join(f.n3() for f in sorted(values, key=str) if not holds_at(values[f], when))
    d = when.isoformat()
    return (f"FILTER (EXISTS {{ ?f dai:duration ?duration }} || ("
            f"(NOT EXISTS {{ ?f dai:startDate|dai:date ?s0 }} || "
            f'EXISTS {{ ?f dai:startDate|dai:date ?s1 FILTER (STR(?s1) <= "{d}") }}) && '
            f"(NOT EXISTS {{ ?f dai:endDate ?e0 }} || "
            f'EXISTS {{ ?f dai:endDate ?e1 FILTER (SUBSTR("{d}", 1, STRLEN(STR(?e1))) <= STR(?e1)) }})))'
            + (f" FILTER (?f NOT IN ({', '.join(dropped.split())}))" if dropped else ""))


def aggregation_version() -> str:
    """A digest of the queries :func:`aggregate` runs: a cache of its rows made by other
    queries is not used."""
    import hashlib

    text = "\n".join([_LABELS_QUERY, _KINDS_QUERY, CONTRACTS_QUERY, EDGES_QUERY, *(p for _r, p in _PAIRS)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _key(term) -> str:
    s = str(term)
    if s.startswith(BASE + "id/"):
        return s[len(BASE) + 3:]
    return s[len(BASE):] if s.startswith(BASE) else s


def _local(term) -> str:
    s = str(term)
    return s[len(NAMESPACE):] if s.startswith(NAMESPACE) else s


def _money(value) -> str:
    """``$3.41M``, ``$200M``, ``$12.5k``, ``$950`` (summed amounts, in US dollars)."""
    amount = float(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= size:
            return f"${amount / size:.3g}{suffix}"
    return f"${amount:,.0f}"


def actor_view(store, *, timeout: float = 600.0, as_of: str | None = None,
               progress: Callable[[str], None] | None = None) -> nx.MultiDiGraph:
    """The aggregated actor view of ``store``: actors as nodes (``kind``, ``label``); one edge
    per pair and relationship (key = the relationship) with ``facts``, ``amount``,
    ``first``, ``last``, ``directed`` and a ``label`` such as ``"12 contracts, $3.4M"``.

    A store that can keep it (:meth:`graph.store.oxigraph.OxigraphStore.kept`) keeps
    the aggregates beside its data, for as long as its data do not change: the aggregation
    runs once after each change (49 s at a million awards), later commands read it back.

    ``as_of`` (``YYYY-MM-DD``) keeps the relationships that hold on that day (see
    :func:`valid_filter`); such a view is made each time. ``progress(message)`` is told each
    step of an aggregation (a long one at scale), and nothing when the view is read back."""
    return to_graph(*view_rows(store, timeout=timeout, as_of=as_of, progress=progress))


def view_rows(store, *, timeout: float = 600.0, as_of: str | None = None,
              progress: Callable[[str], None] | None = None) -> tuple[list, list]:
    """The rows of the actor view (:func:`aggregate`), kept beside the store when it can keep
    them (read back, not aggregated again, until the store changes)."""
    if as_of:
        rows = aggregate(store, timeout=timeout, valid=valid_filter(store, as_of), progress=progress)
        if progress:
            progress(None)
        return rows
    kept = store.kept()
    rows = kept.get("actor-view", aggregation_version()) if kept is not None else None
    if isinstance(rows, list) and len(rows) == 2:
        return rows[0], rows[1]
    started = time.perf_counter()
    rows = aggregate(store, timeout=timeout, progress=progress)
    if kept is not None:
        kept.put("actor-view", aggregation_version(), list(rows))
    if progress and time.perf_counter() - started > 1:
        progress(f"actor view: {len(rows[0]):,} actors, {len(rows[1]):,} relations in "
                 f"{time.perf_counter() - started:.1f}s" + (" (kept for the next commands)" if kept else ""))
    if progress:
        progress(None)
    return rows


def aggregate(store, *, timeout: float = 600.0, valid: str = "",
              progress: Callable[[str], None] | None = None) -> tuple[list, list]:
    """The rows of the actor view, as plain lists (JSON-ready): ``nodes`` as
    ``[id, kind, label, label_fr]`` and ``edges`` as ``[a, b, relation, facts, amount, first,
    last]`` (amount a decimal string or None), both sorted."""
    say = progress or (lambda _message: None)
    say("actor view: reading the actors' names in the store")
    labels: dict = {}
    for row in store.select_plain(_LABELS_QUERY, timeout=timeout):
        labels.setdefault(row["e"], set()).add((row.get("lang", "") != "en", row.get("lang", ""), row["l"]))
    nodes: dict = {}
    for row in sorted(store.select_plain(_KINDS_QUERY, timeout=timeout), key=lambda r: (r["e"], r["kind"])):
        node = _key(row["e"])
        if node in nodes:  # an entity of two actor classes: the first by name, as graph.views does
            continue
        names = sorted(labels.get(row["e"], ()))  # English first, as graph.views._pick
        french = [text for _not_en, lang, text in names if lang == "fr"]
        nodes[node] = [node, _local(row["kind"]), names[0][2] if names else node, french[0] if french else ""]
    del labels
    merged: dict = {}
    queries = [("Contract", CONTRACTS_QUERY)] + [(rel, EDGES_QUERY % pattern) for rel, pattern in _PAIRS[1:]]
    queries = [(rel, query.replace("#VALID", valid)) for rel, query in queries]
    for step, (rel, query) in enumerate(queries, 1):  # Contract: two patterns (agency -> contractor, contractor -> program)
        say(f"actor view: aggregating the {rel} facts in the store ({step}/{len(queries)})")
        for row in store.select_plain(query, timeout=timeout):
            if "a" not in row or "b" not in row:  # an empty group
                continue
            a, b = _key(row["a"]), _key(row["b"])
            if a not in nodes or b not in nodes:
                continue
            found = merged.get((a, b, rel))
            total = str(row["total"]) if row.get("total") is not None else None
            if found is None:
                merged[(a, b, rel)] = [a, b, rel, int(row["facts"]), total, str(row.get("first") or ""),
                                       str(row.get("last") or "")]
                continue
            found[3] += int(row["facts"])
            if total is not None:
                found[4] = str(Decimal(found[4] or 0) + Decimal(total))
            for i, k, pick in ((5, "first", min), (6, "last", max)):
                if row.get(k):
                    found[i] = pick(found[i] or str(row[k]), str(row[k]))
    return [nodes[k] for k in sorted(nodes)], [merged[k] for k in sorted(merged)]


def to_graph(nodes: list, edges: list) -> nx.MultiDiGraph:
    """The actor view from the rows of :func:`aggregate`.

    Half a million edges at a million awards: they go straight into the graph's adjacency
    (the structure ``add_edges_from`` fills, without its per-edge checks and copies), which
    halves the time; the result is the graph ``add_edges_from`` makes.

    >>> g = to_graph([["a", "Company", "A", ""], ["b", "GovernmentAgency", "B", ""]],
    ...              [["b", "a", "Contract", 2, "1500000.5", "2024-01-02", "2024-05-06"]])
    >>> g.edges["b", "a", "Contract"]["label"], g.has_edge("a", "b")
    ('2 contracts, $1.5M', False)
    """
    import networkx as nx

    g = nx.MultiDiGraph()
    from graph.store.adjacency import edge_label

    g.add_nodes_from((node, {"kind": kind, "label": label, "label_fr": label_fr}) for node, kind, label, label_fr in nodes)
    succ, pred = g._succ, g._pred
    for a, b, rel, n, total, first, last in edges:
        amount = float(total) if total is not None else None
        amount = amount or None
        label = edge_label(rel, n, amount)
        keys = succ[a].get(b)
        if keys is None:
            keys = succ[a][b] = pred[b][a] = {}
        keys[rel] = {"relation": rel, "facts": n, "amount": amount, "first": first, "last": last,
                     "directed": rel not in _UNDIRECTED, "label": label, "fact": f"{n} fact{'s' if n > 1 else ''}"}
    return g


def top(view: nx.MultiDiGraph, n: int = 1000, by: str = "amount", keep=()) -> nx.MultiDiGraph:
    """The ``n`` actors with the most ``amount`` (or ``facts``, or relations: ``degree``) on
    their edges, ties by id, always with the actors of ``keep``; and the edges among them:
    what an explorer shows first at scale.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph([("a", "b", {"amount": 5.0}), ("c", "d", {"amount": 1.0}), ("b", "c", {"amount": 2.0})])
    >>> sorted(top(g, 2)), sorted(top(g, 2, keep=["d"])), sorted(top(g, 2, by="degree"))
    (['a', 'b'], ['b', 'd'], ['b', 'c'])
    """
    weight: Counter = Counter({node: 0 for node in view})
    for u, v, data in view.edges(data=True):
        w = (data.get(by) or 0) if by != "degree" else 1
        weight[u] += w
        weight[v] += w
    chosen = [node for node in keep if node in view][:n]
    ranked = (node for node, _w in sorted(weight.items(), key=lambda kv: (-kv[1], str(kv[0]))))
    chosen += [node for node in ranked if node not in chosen][:n - len(chosen)]
    return view.subgraph(chosen).copy()


def explorer_view(view: nx.MultiDiGraph, shown: nx.MultiDiGraph, *, expand: str = "",
                  cite: str = "") -> nx.MultiDiGraph:
    """``shown`` (a part of the aggregated ``view``: :func:`top` or a neighbourhood), each
    actor and relation told what is left out, for the explorer page at scale.

    Every actor whose relations are not all shown gets a ``description`` saying how many are
    and, with ``expand`` (a command with ``{id}`` for the actor), how to open its
    neighbourhood; every relation gets ``details`` (facts, amount, first and last date, and
    with ``cite``, a command with ``{a}`` and ``{b}`` that lists its facts with their sources
    and quotes) and a ``fact`` naming its pair.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "b", key="Contract", relation="Contract", facts=3, amount=5.0, first="2024-01-02", last="2024-03-04")
    'Contract'
    >>> g.add_edge("a", "c", key="Contract", relation="Contract", facts=1, amount=None, first="", last="")
    'Contract'
    >>> part = explorer_view(g, g.subgraph(["a", "b"]).copy(), expand="kg view --focus {id}")
    >>> part.nodes["a"]["description"]
    '1 of its 2 relations shown. Open its neighbourhood: kg view --focus a'
    >>> part.edges["a", "b", "Contract"]["details"]["facts"]
    '3'
    """
    out = shown.copy()
    scale = max(len(view) - 1, 1)
    for node, data in out.nodes(data=True):
        total = view.degree(node) if node in view else 0
        here = out.degree(node)
        data["degree_centrality"] = round(total / scale, 6)
        if total > here:
            data["description"] = (f"{here:,} of its {total:,} relation{'s' if total != 1 else ''} shown."
                                   + (f" Open its neighbourhood: {expand.format(id=node)}" if expand else ""))
    for u, v, key, data in out.edges(keys=True, data=True):
        details = {"facts": str(data.get("facts", ""))}
        if data.get("amount"):
            details["amount"] = f"{Decimal(str(data['amount'])):,.2f} USD"
        for k in ("first", "last"):
            if data.get(k):
                details[f"{k} date"] = str(data[k])
        if cite:
            details["sources and quotes"] = cite.format(a=u, b=v)
            n = data.get("facts", 0)
            data["cited_elsewhere"] = (f"The {n:,} fact{'s' if n != 1 else ''} behind this relation, each with its source "
                                       f"and quote, are in the store: {cite.format(a=u, b=v)}")
        data["details"] = details
        data["fact"] = f"{u} {key} {v}"
        data.setdefault("fact_label", "")
    return out


def stats(store, view=None, as_of: str | None = None,
          progress: Callable[[str], None] | None = None) -> list[dict]:
    """The rows of ``kg stats``, counted in the store: actors by class, relationship edges
    (facts) by type, facts by class, sources, triples, connected components (with ``as_of``,
    the actors, relationships and facts of that day; the triples are the store's). Kept beside
    the store (see :func:`view_rows`) when not dated."""
    if view is None and not as_of:
        return kept_value(store, "stats", "stats-1:" + aggregation_version(), lambda: _stats(store, None, None, progress))
    return _stats(store, view, as_of, progress)


def _stats(store, view, as_of, progress) -> list[dict]:
    import networkx as nx

    view = view if view is not None else actor_view(store, as_of=as_of, progress=progress)
    rows = []
    for kind, n in sorted(Counter(d["kind"] for _, d in view.nodes(data=True)).items()):
        rows.append({"what": "actors", "name": kind, "count": n})
    edges: Counter = Counter()
    for _u, _v, d in view.edges(data=True):
        edges[d["relation"]] += d["facts"]
    for rel, n in sorted(edges.items()):
        rows.append({"what": "relationship edges", "name": rel, "count": n})
    skip = {NAMESPACE + k for k in ("Source", "Citation", "MonetaryAmount", "Company", "GovernmentAgency",
                                    "Organization", "Person", "Program", "Product", "Place")}
    valid = valid_filter(store, as_of) if as_of else ""
    facts = store.select_plain("SELECT ?t (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a ?t %s } GROUP BY ?t" % valid,
                               timeout=600)
    for row in sorted(facts, key=lambda r: r.get("t", "")):
        if row.get("t", "").startswith(NAMESPACE) and row["t"] not in skip:
            rows.append({"what": "facts", "name": _local(row["t"]), "count": int(row["n"])})
    sources = store.select_plain("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a dai:Source }", timeout=600)
    from graph.analysis import _undirected

    und = _undirected(view)
    comps = sorted((len(c) for c in nx.connected_components(und)), reverse=True)
    rows += [
        {"what": "sources", "name": "all", "count": int(sources[0]["n"]) if sources else 0},
        {"what": "triples", "name": "all graphs" + (", all dates" if as_of else ""), "count": store.count()},
        {"what": "components", "name": "connected", "count": len(comps)},
        {"what": "components", "name": "largest (actors)", "count": comps[0] if comps else 0},
    ]
    return rows


def rank(store, by: str = "pagerank", top_n: int = 20, as_of: str | None = None,
         progress: Callable[[str], None] | None = None) -> list[dict]:
    """The rows of ``kg rank`` (:func:`graph.analysis.rank` on the aggregated view): every
    actor's degree, PageRank and betweenness are computed once and kept beside the store
    (see :func:`view_rows`) when not dated; each ranking is a sort of them."""
    def ranked(view, by: str, top):
        from graph.analysis import rank as ranking  # networkx: only when computing

        return ranking(view, by=by, top=top)

    if as_of:
        return ranked(actor_view(store, as_of=as_of, progress=progress), by, top_n)
    rows = kept_value(store, "centrality", "centrality-1:" + aggregation_version(),
                      lambda: ranked(actor_view(store, progress=progress), "degree", None))
    if by not in ("degree", "pagerank", "betweenness"):
        raise ValueError(f"unknown ranking '{by}'")
    return sorted(rows, key=lambda r: (-r[by], r["actor"]))[:top_n]


def _candidates_graph(store, name: str):
    """The actors whose id, label or alias could be ``name``, with their names: the small
    graph :func:`graph.lookup.find` then decides on (same rules, same messages)."""
    from rdflib import Literal, URIRef

    from graph.lookup import Names, normalize

    key = normalize(name)
    words = sorted(key.split(), key=len, reverse=True)
    variants = sorted({name, name.strip(), name.upper(), name.title(), name.lower()})
    exact = " ".join(f"{Literal(v).n3()} {Literal(v, lang='en').n3()} {Literal(v, lang='fr').n3()}" for v in variants)
    # an id only where it can be one: IRI-illegal characters (`a>b`) are no actor's id
    iri_safe = re.fullmatch(r'[^\x00-\x20<>"{}|^`\\]+', name.strip())
    slug = URIRef(BASE + "id/" + name.strip()).n3() if iri_safe else None
    # the names first (an index lookup), then whether they are actors: Oxigraph joins in the
    # order written (the other way round scans every actor: 0.3 s at 100,000 awards)
    hits = store.select(f"""SELECT DISTINCT ?e WHERE {{
        {{ SELECT DISTINCT ?e WHERE {{
            {{ VALUES ?l {{ {exact} }} {{ ?e rdfs:label ?l }} UNION {{ ?e skos:altLabel ?l }} UNION {{ ?e skos:prefLabel ?l }} }}
            {f"UNION {{ VALUES ?e {{ {slug} }} }}" if slug else ""} }} }}
        FILTER EXISTS {{ ?e a ?k . VALUES ?k {{ {ACTOR_VALUES} }} }} }}""", timeout=120)
    if not hits and words:
        # not spelt as stored: scan the names containing the longest word (case-insensitive),
        # then every actor name if accents hide it
        token = words[0].replace("\\", "\\\\").replace('"', '\\"')
        hits = store.select(f"""SELECT DISTINCT ?e WHERE {{
            ?e a ?k . VALUES ?k {{ {ACTOR_VALUES} }} ?e rdfs:label|skos:altLabel ?l
            FILTER (CONTAINS(LCASE(STR(?l)), "{token}")) }}""", timeout=300)
    iris = sorted({str(r["e"]) for r in hits})
    g = Names()
    if not iris:
        return g
    values = " ".join(URIRef(i).n3() for i in iris[:500])
    rows = store.select(f"""SELECT ?e ?p ?l WHERE {{ VALUES ?e {{ {values} }}
        ?e ?p ?l . VALUES ?p {{ rdfs:label skos:altLabel }} }}""", timeout=120)
    names: dict = {}
    for r in rows:
        info = names.setdefault(_key(r["e"]), {"label": "", "label_fr": "", "aliases": set()})
        lit = r["l"]
        if str(r["p"]).endswith("label") and "altLabel" not in str(r["p"]) and lit.language in ("en", None) \
                and (not info["label"] or str(lit) < info["label"]):
            info["label"] = str(lit)
        elif str(r["p"]).endswith("label") and "altLabel" not in str(r["p"]) and lit.language == "fr":
            info["label_fr"] = str(lit)
        else:
            info["aliases"].add(str(lit))
    for node, info in names.items():
        g.add_node(node, label=info["label"] or node, label_fr=info["label_fr"], aliases=sorted(info["aliases"]))
    return g


def lookup_graph(store, names):
    """The candidate actors for every name of ``names``, in one small table
    (:class:`graph.lookup.Names`) that :func:`graph.lookup.find` resolves each name on (see
    :func:`find_actor`)."""
    from graph.lookup import Names

    g = Names()
    for name in names:
        g.update(_candidates_graph(store, name))
    return g


def find_actor(store, name: str) -> str:
    """The node id of the one actor called ``name`` in ``store`` (by id, label or alias,
    ignoring case and accents); raises :class:`graph.lookup.UnknownActor` or
    :class:`graph.lookup.AmbiguousActor` as :func:`graph.lookup.find` does."""
    from graph.lookup import find

    return find(_candidates_graph(store, name), name)


def hop_facts(store, u: str, v: str, limit: int = 20, valid: str = "", links=None) -> list[dict]:
    """The facts linking actors ``u`` and ``v`` (either way), largest amount first, each with
    its sources and quotes: the rows of :func:`graph.analysis.hop_edges` (``valid``: a
    :func:`valid_filter`). ``links``: the view's relations between them, ``(a, b, relation,
    ...)`` (:meth:`graph.store.adjacency.Adjacency.edges`): only those kinds, that way round,
    are looked for."""
    from rdflib import URIRef

    def iri(x: str) -> str:
        return URIRef(BASE + "id/" + x).n3() if "://" not in x else URIRef(x).n3()

    a, b = iri(u), iri(v)
    # the two actors bound inside each branch: Oxigraph does not push a VALUES block into a
    # UNION (outside it, 2.8 s for one pair at 100,000 awards; inside, milliseconds); with
    # ``links``, only the kinds of relation the view has between them, that way round
    if links is not None:
        ends = sorted({(rel, f"VALUES (?a ?b) {{ ({iri(x)} {iri(y)}) }}") for x, y, rel, *_rest in links})
    else:
        ends = sorted({(rel, f"VALUES (?a ?b) {{ ({a} {b}) ({b} {a}) }}") for rel, _pattern in _PAIRS})
    branches = [f"{{ {values} {pattern} BIND (\"{rel}\" AS ?rel) }}" for rel, values in ends
                for r, pattern in _PAIRS if r == rel]
    if not branches:
        return []
    pairs = " UNION ".join(branches)
    rows = store.select(f"""SELECT ?rel ?f ?a ?b (MAX(?amt) AS ?amount) WHERE {{
        {{ {pairs} }}
        {valid}
        OPTIONAL {{ ?f dai:obligatedAmount|dai:value ?money . ?money dai:amount ?amt }}
    }} GROUP BY ?rel ?f ?a ?b ORDER BY DESC(?amount) ?f LIMIT {int(limit)}""", timeout=300)
    if not rows:
        return []
    facts = " ".join(URIRef(str(r["f"])).n3() for r in rows)
    cited = store.select(f"""SELECT ?f ?label ?source ?title ?url ?quote WHERE {{
        VALUES ?f {{ {facts} }}
        OPTIONAL {{ ?f rdfs:label ?label FILTER (LANG(?label) = "en") }}
        OPTIONAL {{ ?f dai:citation ?c . ?c dai:cites ?source ; dai:quote ?quote .
                   OPTIONAL {{ ?source dai:title ?title }} OPTIONAL {{ ?source dai:url ?url }} }}
    }}""", timeout=300)
    by_fact: dict = {}
    for r in cited:
        info = by_fact.setdefault(str(r["f"]), {"label": "", "citations": []})
        if r.get("label") is not None:
            info["label"] = str(r["label"])
        if r.get("quote") is not None:
            c = {"source": _key(r["source"]).removeprefix("source/"), "source_title": str(r.get("title") or ""),
                 "url": str(r.get("url") or ""), "quote": str(r["quote"])}
            if c not in info["citations"]:
                info["citations"].append(c)
    out = []
    for r in rows:
        info = by_fact.get(str(r["f"]), {"label": "", "citations": []})
        citations = sorted(info["citations"], key=lambda c: (c["source"], c["quote"]))
        amount = r.get("amount")
        out.append({
            "from": _key(r["a"]), "to": _key(r["b"]), "relation": str(r["rel"]),
            "label": info["label"] or str(r["rel"]).lower() + (f" {_money(Decimal(str(amount)))}" if amount else ""),
            "fact": _key(r["f"]).removeprefix("fact/"), "directed": str(r["rel"]) not in _UNDIRECTED,
            "sources": sorted({c["source"] for c in citations}), "citations": citations,
        })
    return out


def shortest_paths(store, adj, a: str, b: str, limit: int = 5,
                   as_of: str | None = None) -> list[list[dict]]:
    """Up to ``limit`` shortest paths between ``a`` and ``b`` in the aggregated view (``adj``:
    its :class:`~graph.store.adjacency.Adjacency`), each hop with the facts behind it read
    from the store; with ``as_of``, the view and the facts of that day."""
    from graph.store.adjacency import node_paths

    for x in (a, b):
        if x not in adj:
            raise DataError(f"'{x}' has no relationship in the store")
    valid = valid_filter(store, as_of) if as_of else ""
    return [[{"from": u, "to": v, "facts": hop_facts(store, u, v, valid=valid, links=adj.edges(u, v))}
             for u, v in zip(p, p[1:])] for p in node_paths(adj, a, b, limit)]
