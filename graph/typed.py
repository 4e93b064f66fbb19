"""Python values for notebooks: typed networkx attributes and pandas tables.

The exporters keep dates as the ISO text they write (``"2025-06-16"``, ``""`` when there is
none); a notebook wants ``datetime.date``, ``None``, numbers, lists and booleans.
:func:`typed_graph` makes that copy of a networkx graph (what :meth:`graph.Graph.actors`
and :meth:`graph.Graph.neighbourhood` return; ``graph.typed_graph(kg.actors)`` for the
graphs of :func:`graph.build`, which stay the exporters' text), and also reads back a graph
whose values were written as text (``nx.read_graphml``: ``"['Anduril']"``, ``"False"``).
:func:`to_dataframe` turns rows (of :meth:`graph.Graph.query`, ``select``, ``neighbors``,
``rank``, ``stats``) or a graph's edges into a ``pandas.DataFrame``; pandas is imported only
then, and is not a dependency.

Example
-------
>>> import datetime, networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("a", aliases="['A', 'Ay']", label="A")
>>> _ = g.add_edge("a", "b", start="2025-06-16", end="", date="2025-06", directed="False", amount=2e8)
>>> t = typed_graph(g)
>>> t.nodes["a"]["aliases"], t.edges["a", "b", 0]["directed"], t.edges["a", "b", 0]["amount"]
(['A', 'Ay'], False, 200000000.0)
>>> t.edges["a", "b", 0]["start"], t.edges["a", "b", 0]["end"], t.edges["a", "b", 0]["date"]
(datetime.date(2025, 6, 16), None, '2025-06')
>>> g.edges["a", "b", 0]["start"]       # the graph given is not changed
'2025-06-16'
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping

from graph.errors import GraphError

__all__ = ["typed_graph", "typed_value", "to_dataframe", "DATE_KEYS", "NUMBER_KEYS", "LIST_KEYS", "BOOL_KEYS"]

#: attributes holding a date: a full ISO day becomes a ``datetime.date``, "" becomes ``None``,
#: a month or a year as stated (``"2024-11"``, ``"2025"``) stays that text (its precision)
DATE_KEYS = frozenset({"first", "last", "start", "end", "date", "valid_from", "valid_to", "start_date",
                       "end_date", "publicationDate"})
#: attributes holding a number (an ``int`` when it is whole text, else a ``float``; "" -> ``None``)
NUMBER_KEYS = frozenset({"amount", "ceiling", "obligated", "facts", "rowCount", "recordCount", "degree_centrality",
                         "degree", "pagerank", "betweenness", "offers"})
#: attributes holding a list (text of a list, as GraphML readers give it, is read back)
LIST_KEYS = frozenset({"aliases", "sources", "assertions", "disagreements", "citations", "quotes"})
#: attributes holding a boolean ("True"/"False", "true"/"false" read back)
BOOL_KEYS = frozenset({"directed"})

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"[+-]?\d+")


def typed_value(key: str, value):
    """``value`` of the attribute ``key`` as a Python value (see the ``*_KEYS`` sets); any
    other key, and any value already typed, is returned as it is.

    >>> typed_value("valid_from", "2025-01-31"), typed_value("rowCount", "870"), typed_value("label", "870")
    (datetime.date(2025, 1, 31), 870, '870')
    >>> typed_value("sources", '["article-fr"]'), typed_value("directed", "true"), typed_value("first", "2025")
    (['article-fr'], True, '2025')
    """
    if not isinstance(value, str):
        return value
    if key in DATE_KEYS:
        if not value:
            return None
        return dt.date.fromisoformat(value) if _DAY.fullmatch(value) else value
    if key in NUMBER_KEYS:
        if not value.strip():
            return None
        try:
            return int(value) if _INT.fullmatch(value.strip()) else float(value)
        except ValueError:
            return value
    if key in BOOL_KEYS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if key in LIST_KEYS and value.startswith("["):
        for parse in (json.loads, ast.literal_eval):
            try:
                parsed = parse(value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
            if isinstance(parsed, list):
                return parsed
    return value


def _typed(attrs: Mapping) -> dict:
    return {k: typed_value(k, v) for k, v in attrs.items()}


def typed_graph(g):
    """A copy of the networkx graph ``g`` whose node, edge and graph attributes are Python
    values (:func:`typed_value`); ``g`` is left as it is (the exporters read its text)."""
    out = g.__class__()
    out.graph.update(_typed(g.graph))
    out.add_nodes_from((n, _typed(d)) for n, d in g.nodes(data=True))
    if g.is_multigraph():
        out.add_edges_from((u, v, k, _typed(d)) for u, v, k, d in g.edges(keys=True, data=True))
    else:
        out.add_edges_from((u, v, _typed(d)) for u, v, d in g.edges(data=True))
    return out


def to_dataframe(data, *, nodes: bool = False):
    """A ``pandas.DataFrame`` of ``data``: a list of dicts (the rows of ``Graph.query``,
    ``select``, ``neighbors``, ``rank``, ``stats``), or a networkx graph (one row per edge:
    ``source``, ``target``, ``key`` and its typed attributes; one per node with
    ``nodes=True``: ``id`` and its attributes). Needs pandas (not a dependency of
    defense-ai-graph): raises :class:`graph.errors.GraphError` when it is not installed.

    >>> to_dataframe([{"actor": "dod", "degree": 5}]).to_dict("records")
    [{'actor': 'dod', 'degree': 5}]
    """
    try:
        import pandas
    except ImportError:
        raise GraphError("to_dataframe() needs pandas, which is not installed: pip install pandas") from None
    if hasattr(data, "nodes") and hasattr(data, "edges"):
        g = typed_graph(data)
        if nodes:
            rows = [{"id": n, **d} for n, d in g.nodes(data=True)]
        elif g.is_multigraph():
            rows = [{"source": u, "target": v, "key": k, **d} for u, v, k, d in g.edges(keys=True, data=True)]
        else:
            rows = [{"source": u, "target": v, **d} for u, v, d in g.edges(data=True)]
        return pandas.DataFrame(rows)
    if isinstance(data, Mapping) or not isinstance(data, Iterable):
        raise GraphError(f"to_dataframe() takes a list of dicts or a networkx graph, not {type(data).__name__}")
    return pandas.DataFrame(list(data))
