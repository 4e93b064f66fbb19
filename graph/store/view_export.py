"""Graph files of a store's aggregated actor view: what Gephi or D3 can draw at a million awards.

On a graph that can be read back whole (:mod:`graph.store.readback`), ``graphml``, ``gexf``
and ``nodelink`` hold the full property graph (entities, facts, sources). A store of a
million awards would make that tens of millions of elements, more than these tools open;
past that size they hold the aggregated actor view instead (:func:`graph.store.actors.actor_view`): actors as nodes (``kind``,
``label``, ``label_fr``), one edge per pair of actors and relationship with ``relation``,
``facts``, ``amount`` (summed, USD), ``first`` and ``last`` (dates) and ``label``. Written
by networkx's own writers, nodes and edges sorted: the same store gives the same bytes.

Example
-------
>>> from graph.store import open_store
>>> from graph.store.actors import actor_view
>>> with open_store(data_dir="data") as store:
...     text = "".join(generate("graphml", actor_view(store)))
>>> text.startswith("<?xml") and 'attr.name="relation"' in text
True
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import networkx as nx

__all__ = ["VIEW_FORMATS", "generate"]

#: formats written from the aggregated actor view of a store
VIEW_FORMATS = ("graphml", "gexf", "nodelink")

_NODE_KEYS = ("kind", "label", "label_fr")
_EDGE_KEYS = ("relation", "facts", "amount", "first", "last", "directed", "label")


def _plain(view: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A sorted copy with only typed scalar attributes (no empty values, no lists)."""
    out = nx.MultiDiGraph()
    for node in sorted(view.nodes):
        data = view.nodes[node]
        out.add_node(node, **{k: data[k] for k in _NODE_KEYS if data.get(k) not in (None, "")})
    for u, v, key, data in sorted(view.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        out.add_edge(u, v, key=key, **{k: data[k] for k in _EDGE_KEYS if data.get(k) not in (None, "")})
    return out


def generate(fmt: str, view: nx.MultiDiGraph) -> Iterator[str]:
    """Yield the text of ``view`` in ``fmt`` (one of :data:`VIEW_FORMATS`)."""
    graph = _plain(view)
    if fmt in ("graphml", "gexf"):
        lines = (nx.generate_graphml(graph, encoding="utf-8", prettyprint=True) if fmt == "graphml"
                 else nx.generate_gexf(graph, encoding="utf-8", prettyprint=True, version="1.2draft"))
        first = True
        for line in lines:
            if first and not line.startswith("<?xml"):
                yield '<?xml version="1.0" encoding="UTF-8"?>\n'
            first = False
            yield line + "\n"
    elif fmt == "nodelink":
        data = nx.node_link_data(graph, edges="links")
        yield json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    else:
        raise ValueError(f"not a view format: {fmt!r} (expected one of {', '.join(VIEW_FORMATS)})")
