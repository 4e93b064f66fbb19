"""The defense-ai-graph ontology and SHACL shapes, shipped as package data.

Example
-------
>>> from ontology import ontology_graph, NAMESPACE
>>> g = ontology_graph()
>>> (None, None, None) in g
True
>>> NAMESPACE
'https://w3id.org/defense-ai-graph/ontology#'
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

__all__ = ["NAMESPACE", "ONTOLOGY_IRI", "VERSION", "ontology_text", "shapes_text", "ontology_graph", "shapes_graph"]

NAMESPACE = "https://w3id.org/defense-ai-graph/ontology#"
ONTOLOGY_IRI = "https://w3id.org/defense-ai-graph/ontology"
VERSION = "0.1.0"


def ontology_text() -> str:
    """The ontology, as Turtle text."""
    return files(__name__).joinpath("dai.ttl").read_text(encoding="utf-8")


def shapes_text() -> str:
    """The SHACL shapes, as Turtle text."""
    return files(__name__).joinpath("shapes.ttl").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _parsed(name: str):
    from rdflib import Graph  # on use: the engine's fast paths need only the texts

    g = Graph()
    g.parse(data=files(__name__).joinpath(name).read_text(encoding="utf-8"), format="turtle")
    return g


def ontology_graph():
    """The ontology as an rdflib graph (a fresh copy: callers may modify it)."""
    from rdflib import Graph

    g = Graph()
    for t in _parsed("dai.ttl"):
        g.add(t)
    return g


def shapes_graph():
    """The SHACL shapes as an rdflib graph (a fresh copy)."""
    from rdflib import Graph

    g = Graph()
    for t in _parsed("shapes.ttl"):
        g.add(t)
    return g
