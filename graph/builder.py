"""The knowledge graph as rdflib and networkx objects: the view of small graphs.

A :class:`KnowledgeGraph` holds an rdflib Dataset (one named graph per source) and the
networkx views derived from it. :func:`graph.build` reads one from the engine; the
exporters of whole facts and the explorer take one.

Example
-------
>>> from graph import build
>>> kg = build("data")
>>> kg.actors.nodes["openai"]["kind"]
'Company'
>>> kg.summary()["facts"] > 20
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
from rdflib import Dataset

from graph.model import Curated
from graph.views import actor_view, full_view, read_facts

__all__ = ["KnowledgeGraph"]


@dataclass
class KnowledgeGraph:
    """The built graph: the curated input, the RDF dataset and its networkx views."""

    curated: Curated | None  #: None when read back from a store (graph.store.readback)
    dataset: Dataset

    @cached_property
    def records(self):
        """Entities, sources, facts (with the sources behind each value) and citations read
        back from the dataset: see :func:`graph.views.read_facts`."""
        return read_facts(self.dataset)

    @cached_property
    def full(self) -> nx.MultiDiGraph:
        """Entities, facts and sources as nodes; typed edges; literals as attributes."""
        return full_view(self.dataset, self.records)

    @cached_property
    def actors(self) -> nx.MultiDiGraph:
        """Actors (and programs, products) linked by edges derived from the facts."""
        return actor_view(self.dataset, self.records)

    def as_of(self, day) -> KnowledgeGraph:
        """The graph as of ``day`` (a date or ``YYYY-MM-DD``): only facts that hold then.

        See :mod:`graph.timeline` for how a fact's interval is read from its dates.
        """
        from graph.timeline import filter_dataset, parse_day

        if isinstance(day, str):
            day = parse_day(day)
        dataset, _dropped = filter_dataset(self.dataset, day)
        return KnowledgeGraph(self.curated, dataset)

    def summary(self) -> dict:
        """Counts for the end-of-build summary (of the curated input when there is one, else
        of what the dataset holds)."""
        if self.curated is None:
            r = self.records
            return {"sources": len(r.sources), "entities": len(r.entities), "facts": len(r.facts),
                    "claims": len(r.citations), "triples": sum(len(g) for g in self.dataset.graphs()),
                    "graphs": sum(1 for g in self.dataset.graphs() if len(g))}
        return {
            "sources": len(self.curated.sources),
            "entities": len(self.curated.entities),
            "facts": len(self.curated.facts),
            "claims": sum(len(f.claims) for f in self.curated.facts.values()),
            "triples": sum(len(g) for g in self.dataset.graphs()),
            "graphs": sum(1 for g in self.dataset.graphs() if len(g)),
        }
