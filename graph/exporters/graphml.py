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
from graph.exporters.property_graph import drawing, property_graph, xml_text, xml_type
from graph.exporters.xmltext import escape_attr, escape_text

__all__ = ["generate_graphml", "graphml_type"]


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


def generate_graphml(kg) -> Iterator[str]:
    """The property graph as GraphML (directed multigraph, edge ids = edge keys)."""
    pg = property_graph(kg)
    draw = drawing(pg)
    node_props = [
        {**xml_properties(n.properties), "labels": "".join(f":{x}" for x in n.labels),
         **dict(zip(("x", "y", "size", "color"), (float(draw[n.id][0]), float(-draw[n.id][1]), *draw[n.id][2:]),
                    strict=True))}
        for n in pg.nodes
    ]
    edge_props = [{**xml_properties(e.properties), "label": e.type, "relationship": e.type} for e in pg.edges]
    node_ids, node_keys = _keys(node_props, "node", "n")
    edge_ids, edge_keys = _keys(edge_props, "edge", "e")
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
    for n, props in zip(pg.nodes, node_props, strict=True):
        yield f'    <node id="{escape_attr(n.id)}">\n'
        for k in sorted(props):
            yield f'      <data key="{node_ids[k]}">{escape_text(_text(props[k]))}</data>\n'
        yield "    </node>\n"
    for e, props in zip(pg.edges, edge_props, strict=True):
        yield (
            f'    <edge id="{escape_attr(e.key)}" source="{escape_attr(e.source)}" '
            f'target="{escape_attr(e.target)}">\n'
        )
        for k in sorted(props):
            yield f'      <data key="{edge_ids[k]}">{escape_text(_text(props[k]))}</data>\n'
        yield "    </edge>\n"
    yield "  </graph>\n</graphml>\n"
