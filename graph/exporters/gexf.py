"""GEXF 1.3 export of the property graph, with time intervals for Gephi's timeline.

A fact node, the edges it draws and the direct actor edges carry ``start`` / ``end`` (the
``valid_from`` / ``valid_to`` dates of the fact: when it holds) in a ``mode="dynamic"``,
``timeformat="date"`` graph, so Gephi's timeline shows the graph as it stood on any day;
entities and sources have no interval (always present). Every edge is written directed
(networkx and most readers refuse mixed graphs): partnership and competition edges carry
``directed = false``. Lists are JSON strings. No timestamp is written, so the file is
byte-identical across runs. See :mod:`graph.exporters.property_graph`.

Example
-------
>>> import io, networkx as nx
>>> from graph import build
>>> text = "".join(generate_gexf(build("data")))
>>> g = nx.read_gexf(io.BytesIO(text.encode()), version="1.3")
>>> g.nodes["openai"]["label"], g.graph["mode"]
('OpenAI', 'dynamic')
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.exporters.property_graph import flat_value, property_graph, xml_text, xml_type
from graph.exporters.xmltext import escape_attr

__all__ = ["generate_gexf", "gexf_type"]

#: Properties written as GEXF XML attributes rather than attribute values.
_NODE_XML = ("label",)


gexf_type = xml_type  # kept as a public name
_text = xml_text


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


def generate_gexf(kg) -> Iterator[str]:
    """The property graph as GEXF 1.3 (dynamic, directed; see the module docstring)."""
    pg = property_graph(kg)
    intervals = {n.id: n.properties for n in pg.nodes if n.properties.get("valid_from") or n.properties.get("valid_to")}
    node_props = [
        {
            **{k: flat_value(v) for k, v in n.properties.items() if k not in _NODE_XML},
            "labels": "".join(f":{x}" for x in n.labels),
        }
        for n in pg.nodes
    ]
    edge_props = [{**{k: flat_value(v) for k, v in e.properties.items()}, "type": e.type} for e in pg.edges]
    node_ids, node_attrs = _attributes(node_props, "node")
    edge_ids, edge_attrs = _attributes(edge_props, "edge")
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
    )
    yield "  <meta>\n    <creator>defense-ai-graph</creator>\n"
    yield (
        "    <description>Entities, facts and sources as nodes, plus direct actor edges; every "
        "relationship with its sources and quotes.</description>\n  </meta>\n"
    )
    yield '  <graph defaultedgetype="directed" mode="dynamic" timeformat="date" timerepresentation="interval">\n'
    yield from node_attrs
    yield from edge_attrs
    yield "    <nodes>\n"
    for n, props in zip(pg.nodes, node_props, strict=True):
        label = escape_attr(n.properties.get("label", n.id))
        yield f'      <node id="{escape_attr(n.id)}" label="{label}"{_interval(n.properties)}>\n'
        yield from _attvalues(props, node_ids, "        ")
        yield "      </node>\n"
    yield "    </nodes>\n    <edges>\n"
    for e, props in zip(pg.edges, edge_props, strict=True):
        timed = e.properties if "valid_from" in e.properties else intervals.get(e.source, {})
        label = escape_attr(e.properties.get("caption") or e.type)
        yield (
            f'      <edge id="{escape_attr(e.key)}" source="{escape_attr(e.source)}" '
            f'target="{escape_attr(e.target)}" label="{label}"{_interval(timed)}>\n'
        )
        yield from _attvalues(props, edge_ids, "        ")
        yield "      </edge>\n"
    yield "    </edges>\n  </graph>\n</gexf>\n"
