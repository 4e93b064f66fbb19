"""GraphML export of the property graph (Gephi, yEd, Neo4j APOC ``apoc.import.graphml``).

Nodes carry ``labels`` (``":Entity:Company"``, what APOC's ``readLabels`` reads), every
property, and where to draw them: ``x``, ``y``, ``size``, ``color``
(:func:`graph.exporters.property_graph.drawing`, what graphology-graphml and sigma.js
read). Edges carry ``label`` (the relationship type, what APOC reads as the type, as in
GEXF), ``relationship`` (the same: an attribute named ``type`` picks the renderer in
sigma.js), ``key`` (the edge's key, which readers such as igraph do not keep from the XML
id) and every property with its sources and quotes. Lists are JSON strings (GraphML values
are scalars); absent values have no ``<data>`` (the null policy); ``valid_from_ms`` /
``valid_to_ms`` are the validity dates as numbers. Keys are declared with their GraphML
types (``string``, ``boolean``, ``long``, ``double``). See
:mod:`graph.exporters.property_graph`.

Example
-------
>>> import io, networkx as nx
>>> from graph import build
>>> text = "".join(generate_graphml(build("data")))
>>> g = nx.read_graphml(io.BytesIO(text.encode()), force_multigraph=True)
>>> g.nodes["openai"]["labels"]
':Entity:Company'
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.exporters.gexf import xml_properties
from graph.exporters.pg_stream import iter_edges, iter_nodes, property_graph_of
from graph.exporters.property_graph import PGEdge, PGNode, PropertyGraph, drawing, xml_text, xml_type
from graph.exporters.xmltext import escape_attr, escape_text

__all__ = ["generate_graphml", "graphml_type", "shape"]


graphml_type = xml_type  # kept as a public name
_text = xml_text


def _keys(items, domain: str, prefix: str) -> tuple[dict, list[str]]:
    types: dict[str, str] = {}
    for props in items:
        for k, v in props.items():
            t = graphml_type(v)
            types[k] = t if types.get(k, t) == t else "string"
    ids = {k: f"{prefix}{i}" for i, k in enumerate(sorted(types))}
    lines = [
        f'  <key id="{ids[k]}" for="{domain}" attr.name="{escape_attr(k)}" attr.type="{types[k]}"/>\n'
        for k in sorted(types)
    ]
    return ids, lines


def shape(pg) -> PropertyGraph:
    """What :func:`~graph.exporters.property_graph.drawing` reads of a property graph (or of
    a :class:`~graph.exporters.pg_stream.SpooledGraph`): each node's id, labels and kind,
    each edge's ends; the layout needs the whole graph's shape, not its properties."""
    nodes = [PGNode(n.id, n.labels[:1], {"kind": n.properties["kind"]} if "kind" in n.properties else {})
             for n in iter_nodes(pg)]
    edges = [PGEdge("", e.source, e.target, "", {}) for e in iter_edges(pg)]
    return PropertyGraph(nodes, edges)


def generate_graphml(kg, *, progress=None, pg=None) -> Iterator[str]:
    """The property graph as GraphML (directed multigraph, edge ids = edge keys). ``kg`` is
    a KnowledgeGraph or a store: the property graph is streamed from it
    (:mod:`graph.exporters.pg_stream`) and written a node or an edge at a time; memory
    holds the graph's shape for the layout."""
    with property_graph_of(kg, progress=progress, pg=pg) as pg:
        draw = drawing(shape(pg))

        def nodes():
            for n in iter_nodes(pg):
                x, y, size, colour = draw[n.id]
                yield n, {**xml_properties(n.properties), "labels": "".join(f":{x}" for x in n.labels),
                          "x": float(x), "y": float(-y), "size": size, "color": colour}

        def edges():
            for e in iter_edges(pg):
                yield e, {**xml_properties(e.properties), "label": e.type, "relationship": e.type}

        node_ids, node_keys = _keys((props for _n, props in nodes()), "node", "n")
        edge_ids, edge_keys = _keys((props for _e, props in edges()), "edge", "e")
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield "<!-- defense-ai-graph: entities, facts and sources as nodes, plus direct actor edges. -->\n"
        yield (
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        )
        yield from node_keys
        yield from edge_keys
        yield '  <graph id="defense-ai-graph" edgedefault="directed">\n'
        for n, props in nodes():
            yield f'    <node id="{escape_attr(n.id)}">\n'
            for k in sorted(props):
                yield f'      <data key="{node_ids[k]}">{escape_text(_text(props[k]))}</data>\n'
            yield "    </node>\n"
        for e, props in edges():
            yield (
                f'    <edge id="{escape_attr(e.key)}" source="{escape_attr(e.source)}" '
                f'target="{escape_attr(e.target)}">\n'
            )
            for k in sorted(props):
                yield f'      <data key="{edge_ids[k]}">{escape_text(_text(props[k]))}</data>\n'
            yield "    </edge>\n"
        yield "  </graph>\n</graphml>\n"
