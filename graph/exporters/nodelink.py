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

import json
from collections.abc import Iterator

from graph.exporters.property_graph import property_graph

__all__ = ["generate_nodelink"]


def generate_nodelink(kg) -> Iterator[str]:
    """The property graph as node-link JSON (sorted, so byte-identical across runs)."""
    pg = property_graph(kg)
    doc = {
        "directed": True,
        "multigraph": True,
        "graph": {"name": "defense-ai-graph"},
        "nodes": [{**n.properties, "id": n.id, "labels": list(n.labels)} for n in pg.nodes],
        "links": [
            {**e.properties, "source": e.source, "target": e.target, "key": e.key, "type": e.type}
            for e in pg.edges
        ],
    }
    yield json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
    yield "\n"
