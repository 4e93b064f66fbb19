"""The Python API, for notebooks: the same engine and the same answers as the ``kg`` commands.

:func:`open` gives a :class:`Graph` over the data folder's store (brought up to date
first, as every command does) or over any ``--store`` (``oxigraph:PATH``,
``sparql:URL``). Questions are answered in the store, so a million awards are never
materialised in Python: SPARQL rows, saved queries by name, paths, neighbours, rankings,
counts, and networkx views of the aggregated actor graph or of one neighbourhood.
:func:`build` reads the whole graph back as rdflib and networkx objects, for small graphs.

Example
-------
>>> import graph
>>> with graph.open("data") as kg:
...     rows = kg.select("SELECT ?label WHERE { ?a rdfs:label ?label ; dai:wikidata ?q "
...                      'FILTER (LANG(?label) = "en") } ORDER BY ?label LIMIT 2')
...     hops = kg.path("OpenAI", "Palantir")[0]
...     around = kg.neighbourhood("pentagone", depth=1)
>>> rows
[{'label': 'Amazon Web Services'}, {'label': 'Anthropic'}]
>>> [(h["from"], h["to"]) for h in hops]
[('openai', 'palantir')]
>>> "openai-public-sector" in around
True
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["Graph", "open", "build"]


class Graph:
    """Questions asked of one store (see :func:`open`); close it (or use ``with``)."""

    def __init__(self, store, data_dir: Path):
        self.store, self.data_dir = store, data_dir

    # -- SPARQL ----------------------------------------------------------------------

    def select(self, text: str, *, timeout: float = 30.0, decimal: bool = False, **params) -> list[dict]:
        """The rows of a SELECT query as dicts of Python values, by datatype (see
        :func:`graph.query.python_rows`: amounts as ``float``, or ``Decimal`` with
        ``decimal=True``; dates as ``datetime.date``); ``params`` bind ``?name`` to a value
        (an RDF term, a str, a number, a date). :func:`graph.to_dataframe` makes a table.

        >>> with open("data") as g:
        ...     g.select("SELECT DISTINCT ?n WHERE { fact:openai-dod-2025-prototype-agreement dai:offers ?n }")
        [{'n': 12}]
        """
        from graph.query import python_rows

        result = self.store.query(text, params=_terms(params) or None, timeout=timeout)
        return python_rows(result, decimal=decimal)

    def query(self, name: str, *, as_of: str | None = None, reason: str | None = None, timeout: float = 30.0,
              decimal: bool = False, **params) -> list[dict]:
        """A saved query (``kg query --list``) by name, with its parameters as keywords
        (an ``actor`` parameter takes a name, as on the command line); the rows as
        :meth:`select` gives them.

        >>> with open("data") as g:
        ...     row = g.query("contracts-by-value")[0]
        >>> type(row["amount"]).__name__, row["currency"]
        ('float', 'USD')
        """
        from graph.query import python_rows
        from graph.queryparams import bind, saved_or_text
        from graph.store.readback import query_target

        chosen = saved_or_text(name)
        with query_target(self.store, as_of=as_of, reason=reason) as target:
            values = bind(chosen, {k: str(v) for k, v in params.items()}, target)
            return python_rows(target.query(chosen.text, params=values, timeout=timeout), decimal=decimal)

    # -- the actor graph -------------------------------------------------------------

    def actors(self, as_of: str | None = None):
        """The aggregated actor view (networkx ``MultiDiGraph``): one edge per pair of actors
        and relationship, with ``facts`` (int), ``amount`` (float, or None), ``first`` and
        ``last`` (``datetime.date``, a month or year as stated stays its text, or None),
        ``directed`` (bool): a typed copy (:func:`graph.typed.typed_graph`).

        >>> with open("data") as g:
        ...     edge = g.actors().edges["dod", "openai-public-sector", "Contract"]
        >>> type(edge["first"]).__name__, type(edge["facts"]).__name__, edge["directed"]
        ('date', 'int', True)
        """
        from graph.store.actors import actor_view
        from graph.typed import typed_graph

        return typed_graph(actor_view(self.store, as_of=as_of))

    def find(self, name: str) -> str:
        """The id of the one actor called ``name`` (id, label or alias, English or French,
        case and accents ignored)."""
        from graph.store.actors import find_actor

        return find_actor(self.store, name)

    def neighbourhood(self, actor: str, depth: int = 1, as_of: str | None = None):
        """The actors within ``depth`` relations of ``actor``, as a networkx subgraph of
        :meth:`actors` (typed values)."""
        from graph.analysis import neighbourhood

        return neighbourhood(self.actors(as_of), self.find(actor), depth)

    def path(self, a: str, b: str, limit: int = 5, as_of: str | None = None) -> list[list[dict]]:
        """Up to ``limit`` shortest paths between two actors, each hop with its facts, sources
        and quotes (what ``kg path`` prints)."""
        from graph.store.actors import shortest_paths
        from graph.store.adjacency import Adjacency

        return shortest_paths(self.store, Adjacency.of(self.store, as_of=as_of), self.find(a), self.find(b),
                              limit=limit, as_of=as_of)

    def neighbors(self, actor: str, depth: int = 1, as_of: str | None = None) -> list[dict]:
        """The rows of ``kg neighbors``."""
        from graph.store.adjacency import Adjacency, neighbor_rows

        return neighbor_rows(Adjacency.of(self.store, as_of=as_of), self.find(actor), depth)

    def rank(self, by: str = "pagerank", top: int = 20, as_of: str | None = None) -> list[dict]:
        """The rows of ``kg rank``."""
        from graph.store.actors import rank

        return rank(self.store, by=by, top_n=top, as_of=as_of)

    def stats(self, as_of: str | None = None) -> list[dict]:
        """The rows of ``kg stats``."""
        from graph.store.actors import stats

        return stats(self.store, as_of=as_of)

    # -- whole facts -----------------------------------------------------------------

    def knowledge_graph(self, as_of: str | None = None):
        """The whole graph read back as rdflib and networkx objects (small graphs only:
        see :mod:`graph.store.readback`), with the curated input when there is one."""
        from graph.store.readback import knowledge_graph

        kg = knowledge_graph(self.store, as_of, what="knowledge_graph()")
        if any(self.data_dir.glob("*.yaml")):
            from graph.load import load_folder

            kg.curated = load_folder(self.data_dir)
        return kg

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<graph.Graph {self.store.spec}>"


def open(data: str | os.PathLike = "data", store: str | None = None) -> Graph:  # noqa: A001 - graph.open
    """The graph of the data folder ``data`` (its own store, ``DATA/.kg``, brought up to
    date), or of ``store`` (``oxigraph:PATH``, ``sparql:URL``)."""
    from graph.store import open_store

    return Graph(open_store(store, data_dir=data), Path(data))


def build(data_dir: str | os.PathLike = "data", *, store: str | None = None):
    """The whole graph of ``data_dir`` as a :class:`~graph.builder.KnowledgeGraph`
    (rdflib Dataset, networkx views, the curated input), read from the engine after it is
    brought up to date (curated facts compiled and SHACL-validated when they changed).

    Raises :class:`graph.errors.DataError` (bad input) or
    :class:`graph.errors.ValidationError` (SHACL violation)."""
    with open(data_dir, store) as g:
        return g.knowledge_graph()


def _terms(params: dict) -> dict:
    from rdflib import Literal
    from rdflib.term import Node

    return {k: v if isinstance(v, Node) else Literal(v) for k, v in params.items()}
