"""Compile curated facts to RDF: an rdflib Dataset with one named graph per source.

Layout of the dataset:

- ``<…/ontology>``: the ontology;
- ``<…/graph/entities>``: the entity registry (type, labels, aliases, Wikidata ids, the
  sources that mention each entity);
- ``<…/source/{id}>``: one graph per source, holding the source's own description and every
  triple that this source supports: the facts it states, each with a ``dai:Citation`` (the
  exact quote). A property stated by two sources is in both graphs, so agreement and
  disagreement between sources are visible with a query on ``GRAPH ?g``.

Example
-------
>>> from graph.load import load_folder
>>> ds = to_dataset(load_folder("data"))
>>> len([g for g in ds.graphs() if len(g)]) > 3
True
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Literal, Namespace, URIRef

from graph import iris
from graph.model import Curated, Fact, Ref
from graph.schema import schema
from graph.values import FlexDate, Money
from ontology import ONTOLOGY_IRI, ontology_graph
from ontology.vocab import DAI

__all__ = [
    "BASE", "ID", "FACT", "SOURCE", "ENTITIES_GRAPH", "ONTOLOGY_GRAPH", "PREFIXES",
    "entity_iri", "fact_iri", "source_iri", "to_dataset", "date_literal", "decimal_literal", "decimal_text",
]

BASE = iris.BASE
ID = Namespace(iris.ID_BASE)
FACT = Namespace(iris.FACT_BASE)
SOURCE = Namespace(iris.SOURCE_BASE)
ENTITIES_GRAPH = URIRef(iris.ENTITIES_GRAPH_IRI)
ONTOLOGY_GRAPH = URIRef(ONTOLOGY_IRI)
WD = Namespace(iris.PREFIXES["wd"])

PREFIXES = iris.PREFIXES

_PRECISION_TYPE = {"day": XSD.date, "month": XSD.gYearMonth, "year": XSD.gYear}


def entity_iri(eid: str) -> URIRef:
    return ID[eid]


def fact_iri(fid: str) -> URIRef:
    return FACT[fid]


def source_iri(sid: str) -> URIRef:
    return SOURCE[sid]


def date_literal(d: FlexDate) -> Literal:
    """A date literal whose datatype is its precision (xsd:date, xsd:gYearMonth, xsd:gYear)."""
    return Literal(d.text, datatype=_PRECISION_TYPE[d.precision])


def decimal_text(value) -> str:
    """The canonical lexical form of an xsd:decimal as rdflib writes it: ``200000000.0``,
    ``12.5`` (Oxigraph keeps ``200000000``: :mod:`graph.store.readback` gives the ``.0``
    back, so that the graph read back from the store is the graph written).

    >>> from decimal import Decimal
    >>> decimal_text(Decimal("200000000.00")), decimal_text(Decimal("12.50"))
    ('200000000.0', '12.5')
    """
    text = format(value, "f")
    if "." not in text:
        text += ".0"
    elif text.endswith("0"):
        text = text.rstrip("0")
        text += "0" if text.endswith(".") else ""
    return text


def decimal_literal(value) -> Literal:
    """An xsd:decimal in canonical form (``200000000.0``), which every RDF writer and
    parser keeps as it is, so that exports round-trip exactly."""
    return Literal(decimal_text(value), datatype=XSD.decimal)


def bind_prefixes(graph) -> None:
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)


def to_dataset(cur: Curated, *, include_ontology: bool = True) -> Dataset:
    """Build the RDF dataset of ``cur`` (see the module docstring for its layout)."""
    ds = Dataset()
    bind_prefixes(ds)
    if include_ontology:
        onto = ds.graph(ONTOLOGY_GRAPH)
        for t in ontology_graph():
            onto.add(t)
    _add_entities(ds, cur)
    for src in cur.sources.values():
        _add_source(ds, src)
    for fact in cur.facts.values():
        _add_fact(ds, cur, fact)
    return ds


def _add_entities(ds: Dataset, cur: Curated) -> None:
    g = ds.graph(ENTITIES_GRAPH)
    for ent in cur.entities.values():
        s = entity_iri(ent.id)
        g.add((s, RDF.type, DAI[ent.type]))
        for lang, text in ent.label.items():
            g.add((s, RDFS.label, Literal(text, lang=lang)))
            g.add((s, SKOS.prefLabel, Literal(text, lang=lang)))
        for lang, texts in ent.aliases.items():
            for text in texts:
                g.add((s, SKOS.altLabel, Literal(text, lang=lang)))
        for lang, text in ent.description.items():
            g.add((s, DAI.description, Literal(text, lang=lang)))
        if ent.wikidata:
            g.add((s, DAI.wikidata, Literal(ent.wikidata)))
            g.add((s, OWL.sameAs, WD[ent.wikidata]))
        if ent.url:
            g.add((s, DAI.url, Literal(ent.url, datatype=XSD.anyURI)))
        for sid in ent.sources:
            g.add((s, DAI.mentionedIn, source_iri(sid)))


def _add_source(ds: Dataset, src) -> None:
    s = source_iri(src.id)
    g = ds.graph(s)
    g.add((s, RDF.type, DAI.Source))
    g.add((s, DAI.title, Literal(src.title)))
    g.add((s, DAI.language, Literal(src.language, datatype=XSD.language)))
    if src.publisher:
        g.add((s, DAI.publisher, Literal(src.publisher)))
    if src.published:
        g.add((s, DAI.publicationDate, date_literal(src.published)))
    if src.published_note:
        g.add((s, DAI.publicationDateNote, Literal(src.published_note)))
    if src.url:
        g.add((s, DAI.url, Literal(src.url, datatype=XSD.anyURI)))
    if src.retrieved:
        g.add((s, DAI.retrievedOn, Literal(src.retrieved.text, datatype=XSD.date)))
    if src.kind:
        g.add((s, DAI.sourceKind, Literal(src.kind)))
    if src.quotes_document:
        g.add((s, DAI.quotesDocument, Literal(src.quotes_document)))
    if src.note:
        g.add((s, DAI.note, Literal(src.note, lang="en")))


def money_iri(fact: Fact, key: str, m: Money) -> URIRef:
    return URIRef(f"{fact_iri(fact.id)}/{key.replace('_', '-')}/{m.currency}-{m.amount}")


def _add_fact(ds: Dataset, cur: Curated, fact: Fact) -> None:
    f = fact_iri(fact.id)
    props = schema().claim_properties(fact.type)
    seen_citations: dict[str, int] = {}
    for claim in fact.claims:
        src = cur.sources[claim.source]
        g = ds.graph(source_iri(src.id))
        g.add((f, RDF.type, DAI[fact.type]))
        for lang, text in fact.label.items():
            g.add((f, RDFS.label, Literal(text, lang=lang)))
        g.add((f, DAI.source, source_iri(src.id)))
        n = seen_citations[src.id] = seen_citations.get(src.id, 0) + 1
        c = URIRef(f"{f}/citation/{src.id}" + (f"-{n}" if n > 1 else ""))
        g.add((f, DAI.citation, c))
        g.add((c, RDF.type, DAI.Citation))
        g.add((c, DAI.cites, source_iri(src.id)))
        g.add((c, DAI.supports, f))
        g.add((c, DAI.quote, Literal(claim.quote, lang=src.language)))
        if claim.inference:
            g.add((c, DAI.inference, Literal(claim.inference)))
        for key, values in claim.values.items():
            spec = props[key]
            for v in values:
                for triple in _value_triples(fact, f, spec, key, v, src.language, cur):
                    g.add(triple)
        if fact.type in ("Subsidiary", "SubUnit"):
            for child in claim.values.get("child", ()):
                for parent in claim.values.get("parent", ()):
                    g.add((entity_iri(child.id), DAI.subOrganizationOf, entity_iri(parent.id)))


def _value_triples(fact: Fact, f: URIRef, spec, key: str, v, lang: str, cur: Curated):
    p = spec.iri
    if isinstance(v, Ref):
        target = fact_iri(v.id) if v.id in cur.facts else entity_iri(v.id)
        yield (f, p, target)
    elif isinstance(v, Money):
        m = money_iri(fact, key, v)
        yield (f, p, m)
        yield (m, RDF.type, DAI.MonetaryAmount)
        yield (m, DAI.amount, decimal_literal(v.amount))
        yield (m, DAI.currency, Literal(v.currency))
    elif isinstance(v, FlexDate):
        yield (f, p, date_literal(v) if spec.kind == "date" else Literal(v.text, datatype=XSD.date))
    elif isinstance(v, dict):  # text: {lang: text}; "" = the source's language
        for text_lang, text in v.items():
            yield (f, p, Literal(text, lang=text_lang or lang))
    elif isinstance(v, bool):
        yield (f, p, Literal(v))
    elif isinstance(v, int):
        yield (f, p, Literal(str(v), datatype=XSD.integer))
    elif spec.kind == "duration":
        yield (f, p, Literal(v, datatype=XSD.duration))
    else:
        yield (f, p, Literal(str(v)))
