"""FollowTheMoney entities (JSON lines) for Aleph, OpenSanctions tooling and the ``ftm`` CLI.

One entity a line, ``{"id", "schema", "properties": {name: [values]}}``, sorted by id.

- Actors: Company → ``Company``, GovernmentAgency → ``PublicBody``, Organization →
  ``Organization``, Person → ``Person``, Program → ``Project``, Product → ``Asset``,
  Place → ``Address``.
- Sources → ``Article`` (title, ``sourceUrl``, publisher, language, ``publishedAt``).
- Facts, as FtM's own interval entities, one per pair of actors the fact links:
  Contract → ``Contract`` (authority, amount, project) and one ``ContractAward`` per
  contractor; Investment and Subsidiary → ``Ownership`` (when the owned party is an Asset,
  else ``UnknownLink``); SubUnit → ``Membership``; Involvement in a program →
  ``ProjectParticipant``; Partnership, Competition and the rest → ``UnknownLink`` with a
  ``role``; Event → ``Event``; Assertion → ``Note``.

Provenance travels with every relationship: ``proof`` names the ``Article`` of each source,
``description`` holds the exact quotes, ``sourceUrl`` and ``publisher`` the sources' own,
``recordId`` the fact's id (a ``Contract`` or ``Note`` has the fact's id in its own id,
``dai-fact-<id>``). FtM normalises whitespace in ``name`` values (the exact label
is also kept in ``description`` for actors, or ``summary`` for facts).

Example
-------
>>> import json
>>> from graph import build
>>> lines = [json.loads(line) for line in generate_ftm(build("data"))]
>>> [e["schema"] for e in lines if e["id"] == "dai-openai"]
['Company']
>>> sorted(s for e in lines if e["schema"] == "ContractAward"
...        and e["properties"]["recordId"] == ["openai-dod-2025-prototype-agreement"]
...        for s in e["properties"]["supplier"])
['dai-openai', 'dai-openai-public-sector']
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from itertools import groupby

from rdflib import Literal, URIRef

from graph.exporters.ladybug_stream import Spool
from graph.exporters.pg_stream import Visitor, budget, local_oxigraph, opened, scratch, walk
from graph.rdf import BASE

__all__ = ["generate_ftm", "SCHEMA_OF_KIND", "ftm_id"]

SCHEMA_OF_KIND = {
    "Company": "Company", "GovernmentAgency": "PublicBody", "Organization": "Organization",
    "Person": "Person", "Program": "Project", "Product": "Asset", "Place": "Address",
}
_LEGAL = {"Company", "PublicBody", "Organization", "Person"}
_ASSETS = {"Company", "Asset"}
_LANG3 = {"en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "pt": "por", "zh": "zho", "ru": "rus"}
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"}


def ftm_id(key: str) -> str:
    """An FtM entity id for a node key (``openai``, ``fact/x``, ``source/x``)."""
    return "dai-" + _SAFE.sub("-", key.replace("/", "-"))


def _amount(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


class _Entities:
    """The FtM entities as fragments (``add``), sorted on disk by id and merged when read:
    what one ``add`` after another of the same id makes in memory (the first schema; each
    value once, in order; ``_extend`` values appended as they are)."""

    def __init__(self, work):
        self.spool = Spool(work, "ftm", budget())
        self.phase, self.seq = 0, 0

    def add(self, eid: str, schema: str, _extend: dict | None = None, **props) -> None:
        values_of = {}
        for prop, values in props.items():
            if isinstance(values, str | int | float):
                values = [values]
            kept = [str(v) for v in values or () if v not in (None, "")]
            if kept:
                values_of[prop] = kept
        self.seq += 1
        self.spool.add([eid, self.phase, self.seq], [schema, values_of, _extend or {}])

    def merged(self) -> Iterator[dict]:
        """``{"id", "schema", "properties"}`` of every entity, by id."""
        for eid, records in groupby(self.spool.iter(), key=lambda r: r[0][0]):
            schema, props = None, defaultdict(list)
            for _key, (first, values_of, extend) in records:
                schema = schema or first
                for prop, values in values_of.items():
                    have = props[prop]
                    have.extend(v for v in dict.fromkeys(values) if v not in have)
                for prop, values in extend.items():
                    props[prop].extend(values)
            yield {"id": eid, "schema": schema, "properties": props}

    def lines(self) -> Iterator[str]:
        """One JSON line per entity, by id; a note about a fact that has no entity of its
        own points to the fact's link entities (two passes first: the notes' references,
        then which of them are entities and which facts' links)."""
        refs = {r for e in self.merged() if e["schema"] == "Note" for r in e["properties"].get("entity", [])}
        exists, by_record = set(), defaultdict(list)
        if refs:
            for e in self.merged():
                if e["id"] in refs:
                    exists.add(e["id"])
                for record in e["properties"].get("recordId", []):
                    if ftm_id("fact/" + record) in refs:
                        by_record[ftm_id("fact/" + record)].append(e["id"])
        for e in self.merged():
            if e["schema"] == "Note":
                e["properties"]["entity"] = sorted({x for ref in e["properties"]["entity"]
                                                    for x in ([ref] if ref in exists else by_record.get(ref, []))})
            props = {k: sorted(v) for k, v in sorted(e["properties"].items()) if v}
            line = json.dumps({"id": e["id"], "schema": e["schema"], "properties": props},
                              ensure_ascii=False, sort_keys=True)
            for ch, esc in _LINE_BREAKS.items():  # one entity per line, for every line reader
                line = line.replace(ch, esc)
            yield line + "\n"


def _provenance(citations: list, sources: dict, only=None) -> dict:
    cites = [c for c in citations if only is None or c["source"] in only]
    return {
        "proof": [ftm_id("source/" + c["source"]) for c in cites],
        "description": [c["quote"] for c in cites],
        "sourceUrl": [sources.get(c["source"], {}).get("url", "") for c in cites],
        "publisher": [sources.get(c["source"], {}).get("publisher", "") for c in cites],
    }


def generate_ftm(kg, *, progress=None) -> Iterator[str]:
    """The graph as FollowTheMoney entities, one JSON object a line (see the module
    docstring). ``kg`` is a KnowledgeGraph or a store: read from the store a batch of facts
    at a time (:func:`graph.exporters.pg_stream.walk`: the sources, then the entities,
    then the facts and the actor edges they draw), the entities sorted and merged on disk;
    memory holds a batch, and the schema of each entity and the URL and publisher of each
    source."""
    with opened(kg) as store, scratch() as work, local_oxigraph(store, work, progress) as (ox, px):
        visitor = _Visitor(_Entities(work))
        walk(ox, px, work, visitor, progress=progress)
        yield from visitor.out.lines()


class _Schemas(dict):
    """Entity node -> FtM schema, and by FtM id (the first node of that id)."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, str] = {}

    def __setitem__(self, node: str, schema: str) -> None:
        super().__setitem__(node, schema)
        self.by_id.setdefault(ftm_id(node), schema)


class _Visitor(Visitor):
    order = ("sources", "entities", "facts")
    degrees = False

    def __init__(self, out: _Entities):
        self.out = out
        self.sources: dict[str, dict] = {}
        self.schema_of = _Schemas()

    def source(self, view, node: str, a: dict) -> None:
        self.out.phase = 0
        self.sources[node.removeprefix("source/")] = {k: a[k] for k in ("url", "publisher") if a.get(k)}
        self.out.add(
            ftm_id(node), "Article", title=a.get("title", ""), name=a.get("title", ""),
            sourceUrl=a.get("url", ""), publisher=a.get("publisher", ""),
            language=_LANG3.get(a.get("language", ""), ""), publishedAt=a.get("publicationDate", ""),
            summary=[a.get("note", ""), a.get("publicationDateNote", "")],
        )

    def entity(self, view, node: str, a: dict) -> None:
        self.out.phase = 1
        sources = self.sources
        schema = SCHEMA_OF_KIND.get(a.get("kind"), "Organization")
        self.schema_of[node] = schema
        names = {"full" if schema == "Address" else "name": a.get("label", "")}
        self.out.add(
            ftm_id(node), schema, **names,
            alias=[x for x in [a.get("label_fr", ""), *a.get("aliases", [])] if x != a.get("label")],
            description=[a.get("label", ""), a.get("description", "")],
            wikidataId=a.get("wikidata", ""), proof=[ftm_id("source/" + s) for s in a.get("sources", [])],
            sourceUrl=[sources.get(s, {}).get("url", "") for s in a.get("sources", [])],
        )

    def fact(self, view, node: str, a: dict) -> None:
        self.out.phase = 2
        _fact(self.out, view, view.records, node, a, self.sources, self.schema_of)

    def actor_edge(self, view, u: str, v: str, key: str, e: dict) -> None:
        """A direct actor edge: one FtM interval entity per pair of actors a fact links."""
        self.out.phase = 3
        _link(self.out, view.records, u, v, key, e, self.sources, self.schema_of)


def _link(out: _Entities, reader, u: str, v: str, key: str, e: dict, sources: dict, schema_of: dict) -> None:
    fact = "fact/" + e["fact"]
    common = {
        "summary": [e.get("fact_label", ""), e.get("label", "")], "recordId": e["fact"],
        "startDate": e.get("start", "") or e.get("date", ""), "endDate": e.get("end", ""),
        "date": e.get("date", ""), **_provenance(e.get("citations", []), sources),
    }
    eid = ftm_id(fact) + ("-link-" + key.split("#")[1] if "#" in key else "-link")
    su, sv = schema_of.get(u), schema_of.get(v)
    relation = e.get("relation")
    if relation == "Contract" and su in _LEGAL and sv in _LEGAL:
        eid = f"{ftm_id(fact)}-award-{ftm_id(v).removeprefix('dai-')}"  # one award per supplier
        out.add(eid, "ContractAward", contract=ftm_id(fact), supplier=ftm_id(v), role="contractor", **common,
                **_money(reader, e["fact"]))
    elif relation == "Contract" and su in _LEGAL and sv == "Project":
        out.add(eid, "ProjectParticipant", participant=ftm_id(u), project=ftm_id(v), role="contractor", **common)
    elif relation == "Investment" and su in _LEGAL and sv in _ASSETS:
        out.add(eid, "Ownership", owner=ftm_id(u), asset=ftm_id(v), role="investor", **common)
    elif relation == "Subsidiary" and sv in _LEGAL and su in _ASSETS:
        out.add(eid, "Ownership", owner=ftm_id(v), asset=ftm_id(u), role="parent company", **common)
    elif relation in ("SubUnit", "Subsidiary") and su in _LEGAL and sv in ("PublicBody", "Organization", "Company"):
        out.add(eid, "Membership", member=ftm_id(u), organization=ftm_id(v), role="unit of", **common)
    elif relation == "Position" and su == "Person" and sv in ("PublicBody", "Organization", "Company"):
        out.add(eid, "Membership", member=ftm_id(u), organization=ftm_id(v), role=e.get("label", ""), **common)
    elif relation == "Involvement" and su in _LEGAL and sv == "Project":
        out.add(eid, "ProjectParticipant", participant=ftm_id(u), project=ftm_id(v), role=e.get("label", ""),
                **common)
    else:
        out.add(eid, "UnknownLink", subject=ftm_id(u), object=ftm_id(v), role=e.get("label", ""), **common)


def _money(reader, fact_key: str) -> dict:
    rec = reader.facts.get(URIRef(BASE + "fact/" + fact_key))
    if rec is None:
        return {}
    for prop in ("value", "ceiling", "obligatedAmount", "annualValue"):
        amounts = sorted(filter(None, (reader.money_of(t) for t in rec.values.get(prop, ()))))
        if amounts:
            amount, currency = amounts[-1]
            return {"amount": _amount(amount), "currency": currency}
    return {}


def _fact(out: _Entities, kg, reader, node: str, a: dict, sources: dict, schema_of: dict) -> None:
    key = node.removeprefix("fact/")
    rec = reader.facts.get(URIRef(BASE + node))
    values = rec.values if rec else {}

    def ends(*props):
        return sorted({ftm_id(reader_key(t)) for p in props for t in values.get(p, ()) if reader_key(t) in schema_of})

    def reader_key(term) -> str:
        s = str(term)
        return s[len(BASE) + 3:] if s.startswith(BASE + "id/") else s[len(BASE):] if s.startswith(BASE) else s

    def first(prop):
        terms = sorted(str(t) for t in values.get(prop, ()) if isinstance(t, Literal))
        return terms[0] if terms else ""

    common = {"summary": [a.get("label", ""), a.get("label_fr", "")], **_provenance(a.get("citations", []), sources)}
    kind = a.get("kind")
    if kind == "Contract":
        out.add(
            ftm_id(node), "Contract", title=a.get("label", ""), name=a.get("label", ""),
            authority=[i for i in ends("awardingAgency")], project=[i for i in ends("program") if
                                                                     _schema(schema_of, i) == "Project"],
            contractDate=first("date"), procedureNumber=first("contractNumber"), **common, **_money(reader, key),
        )
    elif kind == "Event":
        involved = ends("participant")
        out.add(
            ftm_id(node), "Event", name=a.get("label", ""), recordId=key, date=first("date"),
            startDate=first("startDate"),
            endDate=first("endDate"), involved=[i for i in involved if _schema(schema_of, i) in _LEGAL], **common,
        )
        for other in [i for i in involved if _schema(schema_of, i) not in _LEGAL] + ends("about", "program",
                                                                                          "product", "place"):
            out.add(f"{ftm_id(node)}-{other}", "UnknownLink", subject=ftm_id(node), object=other, role="event about",
                    **common)
    elif kind == "Assertion":
        about = sorted({ftm_id(reader_key(t)) for t in values.get("about", ())})
        statements = sorted(str(t) for t in values.get("statement", ()))
        out.add(ftm_id(node), "Note", name=a.get("label", ""), entity=about, **common)
        out.add(ftm_id(node), "Note", _extend={"summary": [s for s in statements if s]})


def _schema(schema_of: _Schemas, eid: str) -> str:
    return schema_of.by_id.get(eid, "")
