"""GEXF 1.3 export of the property graph, with time intervals for Gephi's timeline, drawn.

A fact node, the edges it draws and the direct actor edges carry ``start`` / ``end`` (the
``valid_from`` / ``valid_to`` dates of the fact: when it holds) in a ``mode="dynamic"``,
``timeformat="date"`` graph, so Gephi's timeline shows the graph as it stood on any day;
entities and sources have no interval (always present). Beside the ISO dates, the numeric
``valid_from_ms`` / ``valid_to_ms`` (milliseconds since 1970, what JavaScript dates hold)
serve range filters in tools that ignore intervals (graphology-gexf, Gephi Lite).

Every node has ``viz:position``, ``viz:size`` and ``viz:color``
(:func:`graph.exporters.property_graph.drawing`), so sigma.js and Gephi Lite draw the file
as it is. An edge's ``label`` is its relationship type (as in GraphML) and its type is the
attribute ``relationship`` (an attribute named ``type`` picks the renderer in sigma.js).
Every edge is written directed (networkx and most readers refuse mixed graphs):
partnership and competition edges carry ``directed = false``. Lists are JSON strings;
absent values are no ``attvalue`` (the null policy of
:mod:`graph.exporters.property_graph`). No timestamp is written, so the file is
byte-identical across runs.

``actors=True`` writes the actor graph instead (:func:`actor_graph`): the explorer's
actors, one edge per pair of actors and relation with ``facts`` (how many), ``amount``
(summed, USD), ``first`` / ``last`` (dates), ``sources`` (those that state that pair)
and ``relationship``; what Gephi Lite opens without an adapter.

Example
-------
>>> import io, networkx as nx
>>> from graph import build
>>> kg = build("data")
>>> text = "".join(generate_gexf(kg))
>>> g = nx.read_gexf(io.BytesIO(text.encode()), version="1.3")
>>> g.nodes["openai"]["label"], g.graph["mode"], "position" in g.nodes["openai"]["viz"]
('OpenAI', 'dynamic', True)
>>> actors = nx.read_gexf(io.BytesIO("".join(generate_gexf(kg, actors=True)).encode()))
>>> actors.nodes["dod"]["kind"], sorted(actors["dod"]["openai"].values(), key=str)[0]["relationship"]
('GovernmentAgency', 'CONTRACTED_WITH')
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.exporters.pg_stream import iter_edges, iter_nodes, property_graph_of
from graph.exporters.property_graph import (
    PGEdge,
    PGNode,
    PropertyGraph,
    drawing,
    epoch_ms,
    flat_value,
    xml_text,
    xml_type,
)
from graph.exporters.xmltext import escape_attr

__all__ = ["generate_gexf", "gexf_type", "actor_graph", "xml_properties"]

#: Properties written as GEXF XML attributes rather than attribute values.
_NODE_XML = ("label",)


gexf_type = xml_type  # kept as a public name
_text = xml_text


def xml_properties(props: dict) -> dict:
    """Flat properties for GEXF and GraphML: lists as JSON strings, and the numeric twins
    ``valid_from_ms`` / ``valid_to_ms`` of the validity dates."""
    out = {k: flat_value(v) for k, v in props.items()}
    for name in ("valid_from", "valid_to"):
        if props.get(name):
            out[f"{name}_ms"] = epoch_ms(props[name])
    return out


def _attributes(items, cls: str) -> tuple[dict, list[str]]:
    types: dict[str, str] = {}
    for props in items:
        for k, v in props.items():
            t = gexf_type(v)
            types[k] = t if types.get(k, t) == t else "string"
    ids = {k: str(i) for i, k in enumerate(sorted(types))}
    lines = [f'    <attributes class="{cls}" mode="static">\n']
    lines += [
        f'      <attribute id="{ids[k]}" title="{escape_attr(k)}" type="{types[k]}"/>\n' for k in sorted(types)
    ]
    lines.append("    </attributes>\n")
    return ids, lines


def _interval(props: dict) -> str:
    out = ""
    if props.get("valid_from"):
        out += f' start="{escape_attr(props["valid_from"])}"'
    if props.get("valid_to"):
        out += f' end="{escape_attr(props["valid_to"])}"'
    return out


def _attvalues(props: dict, ids: dict, indent: str) -> Iterator[str]:
    if not props:
        return
    yield f"{indent}<attvalues>\n"
    for k in sorted(props):
        yield f'{indent}  <attvalue for="{ids[k]}" value="{escape_attr(_text(props[k]))}"/>\n'
    yield f"{indent}</attvalues>\n"


def _viz(x: int, y: int, size: float, colour: str, indent: str) -> Iterator[str]:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    yield f'{indent}<viz:color r="{r}" g="{g}" b="{b}"/>\n'
    yield f'{indent}<viz:position x="{x}.0" y="{-y}.0" z="0.0"/>\n'  # GEXF's y axis points up
    yield f'{indent}<viz:size value="{size}"/>\n'


def actor_graph(pg) -> PropertyGraph:
    """The actors of ``pg`` (a property graph or a
    :class:`~graph.exporters.pg_stream.SpooledGraph`) and one edge per (from, to,
    relationship) of its direct actor edges, with ``facts``, ``amount`` (sum of ``amount``,
    else ``obligated``, in USD), ``first`` / ``last`` (earliest ``valid_from``, latest
    ``valid_to`` or ``valid_from``), ``sources`` (sorted), ``relation`` and
    ``relationship``; nodes keep ``label``, ``label_fr``, ``kind``, ``degree_centrality``,
    ``wikidata``. The edges come sorted, so each group is summed as it goes."""
    from itertools import groupby

    edges, ends = [], set()
    direct = (e for e in iter_edges(pg) if "relation" in e.properties)
    for (u, v, etype), group in groupby(direct, key=lambda e: (e.source, e.target, e.type)):
        items = [e.properties for e in group]
        ends.update((u, v))
        props: dict = {"key": f"{u}|{etype}|{v}", "relation": items[0]["relation"], "facts": len(items),
                       "directed": items[0].get("directed", True)}
        money = [p.get("amount", p.get("obligated")) for p in items if p.get("currency") == "USD"]
        money = [m for m in money if m is not None]
        if money:
            props["amount"] = float(sum(money))
        starts = [p["valid_from"] for p in items if p.get("valid_from")]
        ends_ = [p.get("valid_to") or p["valid_from"] for p in items if p.get("valid_to") or p.get("valid_from")]
        if starts:
            props["first"] = min(starts)
        if ends_:
            props["last"] = max(ends_)
        props["sources"] = sorted({s for p in items for s in p.get("sources", [])})
        props = {k: x for k, x in props.items() if x not in ([], "")}
        edges.append(PGEdge(props["key"], u, v, etype, dict(sorted(props.items()))))
    nodes = [
        PGNode(n.id, n.labels, {k: v for k, v in n.properties.items()
                                if k in ("id", "kind", "label", "label_fr", "degree_centrality", "wikidata")})
        for n in iter_nodes(pg) if n.id in ends
    ]
    return PropertyGraph(nodes, edges)


def generate_gexf(kg, *, actors: bool = False, progress=None, pg=None) -> Iterator[str]:
    """The property graph (or with ``actors``, the actor graph) as GEXF 1.3, drawn. ``kg``
    is a KnowledgeGraph or a store: the property graph is streamed from it
    (:mod:`graph.exporters.pg_stream`) and written a node or an edge at a time; memory
    holds the graph's shape for the layout and each fact's validity dates."""
    with property_graph_of(kg, progress=progress, pg=pg) as spooled:
        yield from _gexf(actor_graph(spooled) if actors else spooled, actors)


def _gexf(pg, actors: bool) -> Iterator[str]:
    from graph.exporters.graphml import shape

    draw = drawing(shape(pg))
    intervals = {n.id: {k: n.properties[k] for k in ("valid_from", "valid_to") if n.properties.get(k)}
                 for n in iter_nodes(pg) if n.properties.get("valid_from") or n.properties.get("valid_to")}

    def nodes():
        for n in iter_nodes(pg):
            yield n, {**{k: v for k, v in xml_properties(n.properties).items() if k not in _NODE_XML},
                      "labels": "".join(f":{x}" for x in n.labels)}

    # the edge's key is its XML id (GEXF readers keep it; networkx refuses an attribute "key")
    def edges():
        for e in iter_edges(pg):
            yield e, {**{k: v for k, v in xml_properties(e.properties).items() if k != "key"},
                      "relationship": e.type}

    node_ids, node_attrs = _attributes((props for _n, props in nodes()), "node")
    edge_ids, edge_attrs = _attributes((props for _e, props in edges()), "edge")
    what = "The actors and one edge per pair and relation" if actors else (
        "Entities, facts and sources as nodes, plus direct actor edges")
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
    )
    yield "  <meta>\n    <creator>defense-ai-graph</creator>\n"
    yield f"    <description>{what}; every relationship with its sources.</description>\n  </meta>\n"
    if actors:
        yield '  <graph defaultedgetype="directed">\n'
    else:
        yield '  <graph defaultedgetype="directed" mode="dynamic" timeformat="date" timerepresentation="interval">\n'
    yield from node_attrs
    yield from edge_attrs
    yield "    <nodes>\n"
    for n, props in nodes():
        label = escape_attr(n.properties.get("label", n.id))
        yield f'      <node id="{escape_attr(n.id)}" label="{label}"{_interval(n.properties)}>\n'
        yield from _attvalues(props, node_ids, "        ")
        yield from _viz(*draw[n.id], "        ")
        yield "      </node>\n"
    yield "    </nodes>\n    <edges>\n"
    for e, props in edges():
        timed = {} if actors else e.properties if "valid_from" in e.properties else intervals.get(e.source, {})
        yield (
            f'      <edge id="{escape_attr(e.key)}" source="{escape_attr(e.source)}" '
            f'target="{escape_attr(e.target)}" label="{escape_attr(e.type)}"{_interval(timed)}>\n'
        )
        yield from _attvalues(props, edge_ids, "        ")
        yield "      </edge>\n"
    yield "    </edges>\n  </graph>\n</gexf>\n"
