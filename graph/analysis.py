"""Graph questions over the actor view: paths, neighbours, rankings, statistics.

Each function returns plain rows (lists of dicts) that :mod:`graph.output` renders as a
table, CSV or JSON.

Example
-------
>>> from graph import build
>>> actors = build("data").actors
>>> [hop["to"] for hop in shortest_paths(actors, "openai", "palantir")[0]]
['palantir']
>>> rank(actors, by="degree", top=1)[0]["label"]  # the shipped awards' largest buyer
'Department of the Air Force'
"""

from __future__ import annotations

from collections import Counter, deque

import networkx as nx

__all__ = ["shortest_paths", "neighbors", "rank", "stats", "hop_edges"]


def _undirected(actors: nx.MultiDiGraph) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(actors.nodes)
    g.add_edges_from((u, v) for u, v in actors.edges() if u != v)
    return g


def node_paths(g: nx.Graph, a: str, b: str, limit: int = 5) -> list[list]:
    """Up to ``limit`` shortest paths from ``a`` to ``b`` in ``g`` (node lists, sorted); none if
    they are not connected."""
    paths = []
    try:
        for path in nx.all_shortest_paths(g, a, b):
            paths.append(path)
            if len(paths) >= limit:
                break
    except nx.NetworkXNoPath:
        return []
    return sorted(paths)


def hop_edges(actors: nx.MultiDiGraph, u: str, v: str) -> list[dict]:
    """Every fact linking ``u`` and ``v`` (either direction), with its sources and quotes."""
    out = []
    for a, b in ((u, v), (v, u)):
        for key, data in sorted((actors.get_edge_data(a, b) or {}).items()):
            out.append(
                {
                    "from": a,
                    "to": b,
                    "relation": data.get("relation", ""),
                    "label": data.get("label", ""),
                    "fact": data.get("fact", key),
                    "directed": data.get("directed", True),
                    "sources": data.get("sources", []),
                    "citations": [
                        {k: c.get(k, "") for k in ("source", "source_title", "url", "quote")}
                        for c in data.get("citations", [])
                    ],
                }
            )
    return out


def shortest_paths(actors: nx.MultiDiGraph, a: str, b: str, limit: int = 5) -> list[list[dict]]:
    """Up to ``limit`` shortest paths from ``a`` to ``b``, each a list of hops.

    A hop is ``{"from", "to", "facts": [...]}`` where facts are :func:`hop_edges` rows.
    """
    out = []
    for path in node_paths(_undirected(actors), a, b, limit):
        out.append([{"from": u, "to": v, "facts": hop_edges(actors, u, v)} for u, v in zip(path, path[1:])])
    return out


def neighbors(actors: nx.MultiDiGraph, node: str, depth: int = 1) -> list[dict]:
    """Actors within ``depth`` hops of ``node``, nearest first, with how they are linked."""
    g = _undirected(actors)
    dist = nx.single_source_shortest_path_length(g, node, cutoff=depth)
    rows = []
    for other, d in sorted(dist.items(), key=lambda kv: (kv[1], kv[0])):
        if other == node:
            continue
        via = []
        if d == 1:
            via = sorted({e["label"] for e in hop_edges(actors, node, other)})
        data = actors.nodes[other]
        rows.append(
            {"actor": other, "label": data.get("label", other), "kind": data.get("kind", ""), "distance": d,
             "links": "; ".join(via)}
        )
    return rows


def rank(actors: nx.MultiDiGraph, by: str = "pagerank", top: int = 20) -> list[dict]:
    """Actors ranked by ``degree``, ``pagerank`` or ``betweenness`` (all three are shown).

    Betweenness is exact up to 500 actors, then estimated from shortest paths out of a fixed
    sample of actors (``seed`` 7): 500 of them, fewer on a graph of more than 40,000
    relations (20 million edge visits at most: about 40 at a million awards), so that a
    store's actor view ranks in seconds, not hours."""
    g = _undirected(actors)
    degree = dict(g.degree())
    pagerank = nx.pagerank(g) if len(g) else {}
    sample = min(len(g), 500, max(20, 20_000_000 // max(g.number_of_edges(), 1)))
    betweenness = nx.betweenness_centrality(g, k=sample if len(g) > 500 else None, seed=7)
    rows = [
        {
            "actor": n,
            "label": actors.nodes[n].get("label", n),
            "kind": actors.nodes[n].get("kind", ""),
            "degree": degree.get(n, 0),
            "pagerank": round(pagerank.get(n, 0.0), 6),
            "betweenness": round(betweenness.get(n, 0.0), 6),
        }
        for n in g.nodes
    ]
    if by not in ("degree", "pagerank", "betweenness"):
        raise ValueError(f"unknown ranking '{by}'")
    rows.sort(key=lambda r: (-r[by], r["actor"]))
    return rows[:top]


def stats(kg) -> list[dict]:
    """Counts: actors by class, relationships by type, facts, sources, triples, components."""
    actors = kg.actors
    rows = []
    for kind, n in sorted(Counter(d.get("kind", "") for _, d in actors.nodes(data=True)).items()):
        rows.append({"what": "actors", "name": kind, "count": n})
    for rel, n in sorted(Counter(d.get("relation", "") for _, _, d in actors.edges(data=True)).items()):
        rows.append({"what": "relationship edges", "name": rel, "count": n})
    full = kg.full
    for kind, n in sorted(Counter(d.get("kind") for _, d in full.nodes(data=True) if d.get("node_type") == "fact").items()):
        rows.append({"what": "facts", "name": kind, "count": n})
    comps = sorted((len(c) for c in nx.connected_components(_undirected(actors))), reverse=True)
    rows += [
        {"what": "sources", "name": "all", "count": sum(1 for _, d in full.nodes(data=True) if d.get("node_type") == "source")},
        {"what": "triples", "name": "all graphs", "count": sum(len(g) for g in kg.dataset.graphs())},
        {"what": "components", "name": "connected", "count": len(comps)},
        {"what": "components", "name": "largest (actors)", "count": comps[0] if comps else 0},
    ]
    return rows


def neighbourhood(actors: nx.MultiDiGraph, node: str, depth: int = 1) -> nx.MultiDiGraph:
    """The actors within ``depth`` relations of ``node`` (either direction), and the
    relations between them, as a copy.

    >>> g = nx.MultiDiGraph([("a", "b"), ("c", "b"), ("c", "d")])
    >>> sorted(neighbourhood(g, "a", 1)), sorted(neighbourhood(g, "a", 2))
    (['a', 'b'], ['a', 'b', 'c'])
    """
    seen = {node: 0}
    queue = deque([node])
    while queue:
        v = queue.popleft()
        if seen[v] == depth:
            continue
        for w in sorted(set(actors.successors(v)) | set(actors.predecessors(v)), key=str):
            if w not in seen:
                seen[w] = seen[v] + 1
                queue.append(w)
    return actors.subgraph(seen).copy()


# --------------------------------------------------------------------------- data
