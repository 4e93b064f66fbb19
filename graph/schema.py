"""The data schema, read from the ontology: which YAML keys a fact of each type accepts.

The ontology is the schema. A claim key ``foo_bar`` names the property ``dai:fooBar``; the
property's ``rdfs:domain`` says which fact types may use it and its ``rdfs:range`` says what
value it takes (an entity of a class, an amount of money, a date, a text, a number ...).
A key that the ontology does not declare is an error, so every term used in data is declared.

Example
-------
>>> s = schema()
>>> s.property_for("Contract", "awarding_agency").kind
'ref'
>>> s.property_for("Contract", "awarding_agency").range_class
'GovernmentAgency'
>>> s.is_subclass("Company", "Actor")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rdflib import OWL, RDF, RDFS, XSD, URIRef

from ontology import NAMESPACE, ontology_graph

__all__ = ["PropertySpec", "Schema", "schema", "ENTITY_TYPES", "FACT_TYPES", "snake_to_camel"]

#: Entity classes a curated entity may have (``type:`` in ``entities``).
ENTITY_TYPES = ("Company", "GovernmentAgency", "Organization", "Person", "Program", "Product", "Place")
#: Fact classes a curated fact may have (``type:`` in ``facts``).
FACT_TYPES = (
    "Contract", "Partnership", "Investment", "Competition", "Subsidiary", "SubUnit",
    "Involvement", "Event", "Assertion", "Position",
)
#: Properties the builder writes itself; a claim may not set them.
GENERATED = {"source", "citation", "supports", "cites", "quote", "inference", "mentionedIn", "subOrganizationOf"}

_KIND_BY_RANGE = {
    str(XSD.string): "string",
    str(XSD.integer): "count",  # counts: never negative (the shapes say so)
    str(XSD.boolean): "bool",
    str(XSD.duration): "duration",
    str(XSD.decimal): "decimal",
    str(XSD.date): "fulldate",
    str(XSD.anyURI): "url",
    str(XSD.language): "language",
    str(RDF.langString): "text",
    NAMESPACE + "FlexibleDate": "date",
    NAMESPACE + "MonetaryAmount": "money",
}


def snake_to_camel(key: str) -> str:
    """``place_of_performance`` -> ``placeOfPerformance``."""
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel_to_snake(name: str) -> str:
    """``placeOfPerformance`` -> ``place_of_performance``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class PropertySpec:
    """One ontology property as the data format sees it."""

    key: str  #: YAML key (snake_case)
    name: str  #: local name in the dai: namespace
    domain: str | None  #: local name of the domain class, None if any
    kind: str  #: ref | anyref | money | date | text | string | count | bool | duration | ...
    range_class: str | None = None  #: for kind 'ref': the class the entity must belong to

    @property
    def iri(self) -> URIRef:
        return URIRef(NAMESPACE + self.name)


class Schema:
    """Classes and properties of the ontology, indexed for the loader and builder."""

    def __init__(self) -> None:
        g = ontology_graph()
        ns = NAMESPACE

        def local(term) -> str | None:
            s = str(term)
            return s[len(ns):] if s.startswith(ns) else None

        self.classes: set[str] = {local(c) for c in g.subjects(RDF.type, OWL.Class) if local(c)}
        self._parents: dict[str, set[str]] = {c: set() for c in self.classes}
        for c in self.classes:
            for sup in g.objects(URIRef(ns + c), RDFS.subClassOf):
                if local(sup) in self.classes:
                    self._parents[c].add(local(sup))
        self.properties: dict[str, PropertySpec] = {}
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
            for p in g.subjects(RDF.type, kind):
                name = local(p)
                if not name:
                    continue
                domain = local(g.value(p, RDFS.domain)) if g.value(p, RDFS.domain) else None
                rng = g.value(p, RDFS.range)
                if rng is None:
                    spec_kind, rclass = "anyref", None
                elif str(rng) in _KIND_BY_RANGE:
                    spec_kind, rclass = _KIND_BY_RANGE[str(rng)], None
                elif local(rng) in self.classes:
                    spec_kind, rclass = "ref", local(rng)
                else:  # pragma: no cover - ontology bug, caught by tests
                    raise ValueError(f"ontology: unsupported range {rng} for {name}")
                self.properties[name] = PropertySpec(camel_to_snake(name), name, domain, spec_kind, rclass)

    def ancestors(self, cls: str) -> set[str]:
        """``cls`` and all its dai: superclasses."""
        seen, todo = {cls}, [cls]
        while todo:
            for sup in self._parents.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        return seen

    def is_subclass(self, cls: str, of: str) -> bool:
        return of in self.ancestors(cls)

    def claim_properties(self, fact_type: str) -> dict[str, PropertySpec]:
        """The YAML keys a claim of a fact of ``fact_type`` accepts, with their specs."""
        ancestors = self.ancestors(fact_type)
        out = {}
        for spec in self.properties.values():
            if spec.name in GENERATED:
                continue
            if (spec.domain in ancestors) or (spec.domain is None and spec.name == "note"):
                out[spec.key] = spec
        return dict(sorted(out.items()))

    def property_for(self, fact_type: str, key: str) -> PropertySpec | None:
        return self.claim_properties(fact_type).get(key)


@lru_cache(maxsize=1)
def schema() -> Schema:
    """The schema of the installed ontology (cached)."""
    return Schema()
