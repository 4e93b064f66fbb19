"""Validate the built RDF against the SHACL shapes (pySHACL) before anything is written.

A violation becomes a :class:`~graph.errors.ValidationError` naming the fact, entity or
source at fault and where it is defined in the data files.

Example
-------
>>> from graph.load import load_folder
>>> from graph.rdf import to_dataset
>>> cur = load_folder("data")
>>> validate(to_dataset(cur), cur)
"""

from __future__ import annotations

from rdflib import RDF, Dataset, Graph, Namespace, URIRef

from graph.errors import ValidationError
from graph.model import Curated
from graph.rdf import BASE, ONTOLOGY_GRAPH, bind_prefixes
from ontology import ontology_graph, shapes_graph
from ontology.vocab import DAI

__all__ = ["validate", "union_graph"]

SH = Namespace("http://www.w3.org/ns/shacl#")


def union_graph(ds: Dataset, *, with_ontology: bool = False) -> Graph:
    """All data triples of ``ds`` in one graph (the ontology graph only if asked)."""
    g = Graph()
    bind_prefixes(g)
    for ctx in ds.graphs():
        if ctx.identifier == ONTOLOGY_GRAPH and not with_ontology:
            continue
        for t in ctx:
            g.add(t)
    return g


def validate(ds: Dataset, cur: Curated | None = None) -> None:
    """Raise :class:`ValidationError` on the first SHACL violation (all are listed in it)."""
    import pyshacl  # heavy: imported on use

    data = union_graph(ds)
    conforms, results, _text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    if conforms:
        return
    problems = []
    for result in sorted(results.subjects(RDF.type, SH.ValidationResult)):
        focus = results.value(result, SH.focusNode)
        if focus == DAI.Fact:  # a shape that checks every fact at once names the fact as the value
            focus = results.value(result, SH.value) or focus
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        where, name = _locate(focus, cur)
        path_txt = f" {_short(path)}" if path is not None else ""
        problems.append((where, f"{name}{path_txt}: {message}"))
    problems.sort(key=lambda p: (p[0] is None, str(p[0]), p[1]))
    where, first = problems[0]
    more = f" (and {len(problems) - 1} more violation(s))" if len(problems) > 1 else ""
    raise ValidationError(
        f"SHACL: {first}{more}",
        file=where.file if where else None,
        line=where.line if where else None,
    )


def _short(term) -> str:
    s = str(term)
    for sep in ("#", "/"):
        if sep in s:
            s = s.rsplit(sep, 1)[1]
            break
    return s


def _locate(focus, cur: Curated | None):
    """Map a focus node IRI back to the item (and file:line) it came from."""
    if not isinstance(focus, URIRef) or not str(focus).startswith(BASE):
        return None, str(focus)
    parts = str(focus)[len(BASE):].split("/")
    kind, ident = parts[0], parts[1] if len(parts) > 1 else ""
    if cur is not None:
        if kind == "fact" and ident in cur.facts:
            return cur.facts[ident].where, f"fact '{ident}'"
        if kind == "id" and ident in cur.entities:
            return cur.entities[ident].where, f"entity '{ident}'"
        if kind == "source" and ident in cur.sources:
            return cur.sources[ident].where, f"source '{ident}'"
    return None, f"{kind} '{ident}'"
