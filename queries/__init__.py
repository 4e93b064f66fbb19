"""The library of saved SPARQL queries (``queries/*.rq``), shipped as package data.

Each file starts with a header of comments::

    # title: Contracts by value
    # question: Which contracts are the largest ...?
    # param actor (actor): the actor: id, label or alias

Parameter types: ``actor`` (resolved by name to the actor's IRI), ``date`` (YYYY-MM-DD),
``iri``, ``integer``, ``string``. ``# param NAME (TYPE) = DEFAULT: ...`` gives a default (the
red flags of ``queries/flags/*.rq``, read by :mod:`graph.flags`, give one for every threshold).

Example
-------
>>> q = saved()["actor-facts"]
>>> q.title, [p.name for p in q.params]
('Everything about one actor, with its sources', ['actor'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.resources import files

__all__ = ["Param", "SavedQuery", "saved", "parse_header"]

PARAM_TYPES = ("actor", "date", "iri", "integer", "string")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    #: the value used when none is given (``# param NAME (TYPE) = DEFAULT: ...``), or None
    default: str | None = None


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    question: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)


def parse_header(name: str, text: str) -> SavedQuery:
    """Read the ``# title:``, ``# question:`` and ``# param`` lines of a query."""
    title = question = ""
    params = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = re.match(r"#\s*title:\s*(.+)", line)
        if m:
            title = m.group(1).strip()
        m = re.match(r"#\s*question:\s*(.+)", line)
        if m:
            question = m.group(1).strip()
        m = re.match(r"#\s*param\s+(\w+)\s*\((\w+)\)\s*(?:=\s*(\S+)\s*)?:\s*(.*)", line)
        if m:
            if m.group(2) not in PARAM_TYPES:
                raise ValueError(f"{name}: unknown parameter type {m.group(2)!r}")
            params.append(Param(m.group(1), m.group(2), m.group(4).strip(), m.group(3)))
    return SavedQuery(name, title, question, text, tuple(params))


def saved() -> dict[str, SavedQuery]:
    """Every saved query, by name (the file name without ``.rq``), sorted."""
    out = {}
    for entry in sorted(files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = parse_header(name, entry.read_text(encoding="utf-8"))
    return out
