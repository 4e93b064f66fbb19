"""Node-link JSON of the property graph (D3's ``{nodes, links}``; networkx ``node_link_graph``).

``{"directed": true, "multigraph": true, "graph": {...}, "nodes": [{"id", "labels", ...}],
"links": [{"source", "target", "key", "type", ...}]}``: lists stay JSON lists; nested
values (``details``, ``citations``) are JSON strings, as in every property graph format.
See :mod:`graph.exporters.property_graph`.

Example
-------
>>> import json, networkx as nx
>>> from graph import build
>>> data = json.loads("".join(generate_nodelink(build("data"))))
>>> g = nx.node_link_graph(data, edges="links")
>>> g.nodes["openai"]["labels"]
['Entity', 'Company']
"""

from __future__ import annotations

from collections.abc import Iterator

from graph.exporters.jsonstream import document
from graph.exporters.pg_stream import iter_edges, iter_nodes, property_graph_of

__all__ = ["generate_nodelink"]


def generate_nodelink(kg, *, progress=None, pg=None) -> Iterator[str]:
    """The property graph of ``kg`` (a KnowledgeGraph or a store, streamed from it: see
    :mod:`graph.exporters.pg_stream`) as node-link JSON (sorted, so byte-identical across
    runs), written a node or a link at a time."""
    with property_graph_of(kg, progress=progress, pg=pg) as pg:
        yield from document({
            "directed": True,
            "multigraph": True,
            "graph": {"name": "defense-ai-graph"},
            "nodes": ({**n.properties, "id": n.id, "labels": list(n.labels)} for n in iter_nodes(pg)),
            "links": ({**e.properties, "source": e.source, "target": e.target, "key": e.key, "type": e.type}
                      for e in iter_edges(pg)),
        })
        yield "\n"
