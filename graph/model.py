"""The curated facts as Python objects: sources, entities, facts and their claims.

These are what the YAML files say, checked (ids, references, types, values) but not yet RDF.
See :mod:`graph.load` for reading them and :mod:`graph.rdf` for turning them into RDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.values import FlexDate

__all__ = ["Where", "Source", "Entity", "Claim", "Fact", "Curated", "Ref"]


@dataclass(frozen=True)
class Where:
    """Where something was written: file and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Ref:
    """A reference to an entity or a fact by its id."""

    id: str


@dataclass
class Source:
    id: str
    title: str
    language: str
    where: Where
    publisher: str | None = None
    published: FlexDate | None = None
    published_note: str | None = None
    url: str | None = None
    retrieved: FlexDate | None = None
    kind: str | None = None
    quotes_document: str | None = None
    note: str | None = None


@dataclass
class Entity:
    id: str
    type: str
    label: dict[str, str]
    sources: list[str]
    where: Where
    aliases: dict[str, list[str]] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    wikidata: str | None = None
    url: str | None = None


@dataclass
class Claim:
    """What one source says about a fact: the quote and property values."""

    source: str
    quote: str
    where: Where
    inference: str | None = None
    #: YAML key -> list of parsed values (Ref, Money, FlexDate, dict[lang,str], str, int, bool)
    values: dict[str, list] = field(default_factory=dict)
    #: YAML key -> line where it is written
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Fact:
    id: str
    type: str
    claims: list[Claim]
    where: Where
    label: dict[str, str] = field(default_factory=dict)

    def values(self, key: str) -> list:
        """All values of ``key`` over the claims, de-duplicated, in claim order."""
        out = []
        for claim in self.claims:
            for v in claim.values.get(key, ()):
                if v not in out:
                    out.append(v)
        return out


@dataclass
class Curated:
    """All curated data of a data folder."""

    sources: dict[str, Source] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
