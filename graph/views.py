"""Project the RDF dataset onto networkx graphs.

Two views, both :class:`networkx.MultiDiGraph`:

- **full**: every entity, fact (relationship node) and source is a node; object properties
  are typed edges (``key`` = property name, e.g. ``awardingAgency``); literals are node
  attributes. Node keys: entity slug (``openai``), ``fact/<slug>``, ``source/<slug>``.
- **actors**: entities only (organizations, people, programs, products); each fact draws
  direct edges between them (agency → contractor for a contract, investor → investee,
  child → parent, actor → program, participant → subject of an event, and undirected
  partnership and competition edges). Edges carry the fact's attributes and citations,
  and ``valid_from`` / ``valid_to`` (ISO dates or "": see :mod:`graph.timeline`).

Which source asserts which value is kept: ``details`` shows each value with its sources,
and ``disagreements`` lists the properties on which sources give different values.

Example
-------
>>> from graph import build
>>> kg = build("data")
>>> kg.actors.has_edge("dod", "openai")
True
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx
from rdflib import RDF, RDFS, SKOS, Dataset, Literal, URIRef

from graph.rdf import BASE, ENTITIES_GRAPH, ONTOLOGY_GRAPH
from graph.timeline import interval
from ontology import NAMESPACE
from ontology.vocab import DAI

__all__ = ["FactRecord", "read_facts", "full_view", "actor_view", "ACTOR_KINDS"]

#: Entity classes shown in the actor view (places are attributes of facts instead).
ACTOR_KINDS = ("Company", "GovernmentAgency", "Organization", "Person", "Program", "Product")

_META = {RDF.type, RDFS.label, DAI.source, DAI.citation}
_ENTITY_CLASSES = {DAI[k] for k in (*ACTOR_KINDS, "Place")}


def _local(term) -> str:
    s = str(term)
    if s.startswith(NAMESPACE):
        return s[len(NAMESPACE):]
    for prefix in ("id/", "fact/", "source/"):
        if s.startswith(BASE + prefix):
            return s[len(BASE) + len(prefix):]
    return s


def _node_key(term) -> str:
    s = str(term)
    if s.startswith(BASE + "id/"):
        return s[len(BASE) + 3:]
    if s.startswith(BASE):
        return s[len(BASE):]
    return s


@dataclass
class FactRecord:
    """A fact as read back from RDF, with the sources behind each value."""

    key: str
    type: str
    label: dict = field(default_factory=dict)
    #: property -> value term -> set of source slugs that state it
    values: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    citations: list = field(default_factory=list)


def _pick(literals, lang: str = "en") -> str:
    literals = sorted(literals, key=lambda lit: (lit.language != lang, lit.language or "", str(lit)))
    return str(literals[0]) if literals else ""


class _Reader:
    """One pass over the quads of the dataset."""

    def __init__(self, ds: Dataset):
        self.entities: dict[URIRef, dict] = {}
        self.sources: dict[URIRef, dict] = defaultdict(dict)
        self.facts: dict[URIRef, FactRecord] = {}
        self.citations: dict[URIRef, dict] = defaultdict(dict)
        self.money: dict[URIRef, dict] = defaultdict(dict)
        ent_triples = defaultdict(lambda: defaultdict(list))
        ent_graphs = defaultdict(set)
        fact_types = {}
        data = []
        quads = []
        entity_subjects = set()
        # the vocabulary's terms, looked up once (a DefinedNamespace attribute costs a call)
        rdf_type, rdfs_label, meta = RDF.type, RDFS.label, _META
        source, citation, money = DAI.Source, DAI.Citation, DAI.MonetaryAmount
        for s, p, o, g in ds.quads((None, None, None, None)):
            gid = g.identifier if hasattr(g, "identifier") else g
            if gid == ONTOLOGY_GRAPH:
                continue
            quads.append((s, p, o, gid))
            if p == rdf_type and o in _ENTITY_CLASSES:
                entity_subjects.add(s)
        for s, p, o, gid in quads:
            if s in entity_subjects:
                # entities are described in the registry (curated) or in an imported source graph
                ent_triples[s][p].append(o)
                if gid != ENTITIES_GRAPH:
                    ent_graphs[s].add(gid)
                continue
            data.append((s, p, o, gid))
            if p == rdf_type:
                if o == source:
                    self.sources[s]["_"] = True
                elif o == citation:
                    self.citations[s]["_"] = True
                elif o == money:
                    self.money[s]["_"] = True
                elif str(o).startswith(NAMESPACE):
                    fact_types[s] = _local(o)
        for s, props in ent_triples.items():
            self.entities[s] = {
                "kind": sorted(_local(t) for t in props[RDF.type] if t in _ENTITY_CLASSES)[0],
                "label": _pick(props[RDFS.label], "en"),
                "label_fr": _pick([lit for lit in props[RDFS.label] if lit.language == "fr"], "fr"),
                "aliases": sorted({str(a) for a in props[SKOS.altLabel]}),
                "description": _pick(props[DAI.description], "en"),
                "wikidata": str(props[DAI.wikidata][0]) if props[DAI.wikidata] else "",
                "sources": sorted({_local(o) for o in props[DAI.mentionedIn]} | {_local(g) for g in ent_graphs[s]}),
            }
        for s, t in fact_types.items():
            self.facts[s] = FactRecord(key=_local(s), type=t)
        for s, p, o, gid in data:
            src = _local(gid)
            if s in self.sources:
                if p != rdf_type:
                    self.sources[s][_local(p)] = str(o)
            elif s in self.citations:
                if p != rdf_type:
                    self.citations[s][_local(p)] = o
            elif s in self.money:
                if p != rdf_type:
                    self.money[s][_local(p)] = o
            elif s in self.facts:
                rec = self.facts[s]
                if p == rdfs_label:
                    rec.label[o.language or "en"] = str(o)
                elif p not in meta:
                    rec.values[_local(p)][o].add(src)
        for c, info in self.citations.items():
            fact = self.facts.get(info.get("supports"))
            if fact is None:
                continue
            src = self.sources.get(info.get("cites"), {})
            fact.citations.append(
                {
                    "source": _local(info.get("cites", "")),
                    "source_title": src.get("title", ""),
                    "publisher": src.get("publisher", ""),
                    "url": src.get("url", ""),
                    "language": src.get("language", ""),
                    "quote": str(info.get("quote", "")),
                    "inference": str(info.get("inference", "")),
                }
            )
        for fact in self.facts.values():
            fact.citations.sort(key=lambda c: (c["source"], c["quote"]))

    # -- value display --------------------------------------------------------------

    def money_of(self, term) -> tuple[float, str] | None:
        m = self.money.get(term)
        if not m:
            return None
        return float(m["amount"].toPython()), str(m["currency"])

    def show(self, term) -> str:
        if term in self.entities:
            return self.entities[term]["label"]
        if term in self.facts:
            rec = self.facts[term]
            return rec.label.get("en") or rec.key
        if term in self.money:
            amount, currency = self.money_of(term)
            return f"{amount:,.0f} {currency}" if amount == int(amount) else f"{amount:,} {currency}"
        if isinstance(term, Literal):
            if isinstance(term.toPython(), bool):
                return "yes" if term.toPython() else "no"
            return str(term) + (f" [{term.language}]" if term.language and term.language != "en" else "")
        return _node_key(term)


def read_facts(ds: Dataset) -> _Reader:
    """Read entities, sources, facts and citations back from ``ds``."""
    return _Reader(ds)


def _details(reader: _Reader, rec: FactRecord) -> tuple[dict, list]:
    done = reader.__dict__.setdefault("_details", {})  # both views show a fact's values alike
    if rec.key not in done:
        done[rec.key] = _shown(reader, rec)
    return done[rec.key]


def _first_item(pair: tuple) -> str:
    return pair[0]


def _shown(reader: _Reader, rec: FactRecord) -> tuple[dict, list]:
    details, disagreements = {}, []
    for prop in sorted(rec.values):
        by_value = rec.values[prop]
        shown = []
        for text, term in sorted([(reader.show(t), t) for t in by_value], key=_first_item):  # each shown once
            srcs = ", ".join(sorted(by_value[term]))
            shown.append(f"{text} ({srcs})")
        details[prop] = "; ".join(shown)
        # same property, several values from different sources (languages of one text don't count)
        # sources disagree when one states a value that another, stating the same property,
        # does not (the languages of one text don't count; several parties from one source neither)
        per_source = defaultdict(set)
        for term, srcs in by_value.items():
            if isinstance(term, Literal) and term.language:
                continue
            for src in srcs:
                per_source[src].add(term)
        if len({frozenset(v) for v in per_source.values()}) > 1:
            disagreements.append(prop)
    return details, disagreements


def full_view(ds: Dataset, reader: _Reader | None = None) -> nx.MultiDiGraph:
    """The full graph: entities, facts and sources as nodes (see the module docstring)."""
    r = reader or read_facts(ds)
    g = nx.MultiDiGraph()
    for iri in sorted(r.entities):
        g.add_node(_node_key(iri), **{**r.entities[iri], "node_type": "entity"})
    for iri in sorted(r.sources):
        info = {k: v for k, v in r.sources[iri].items() if k != "_"}
        g.add_node(_node_key(iri), kind="Source", node_type="source", label=info.get("title", ""), **info)
    for iri in sorted(r.facts):
        rec = r.facts[iri]
        details, disagreements = _details(r, rec)
        node = _node_key(iri)
        g.add_node(
            node,
            kind=rec.type,
            node_type="fact",
            label=rec.label.get("en", rec.key),
            label_fr=rec.label.get("fr", ""),
            details=details,
            disagreements=disagreements,
            citations=rec.citations,
            sources=sorted({c["source"] for c in rec.citations}),
        )
        for prop in sorted(rec.values):
            for term in sorted(rec.values[prop]):
                if term in r.entities or term in r.facts:
                    g.add_edge(node, _node_key(term), key=prop, sources=sorted(rec.values[prop][term]))
        for src in sorted({c["source"] for c in rec.citations}):
            g.add_edge(node, f"source/{src}", key="source")
    for iri, info in sorted(r.entities.items()):
        for src in info["sources"]:
            g.add_edge(_node_key(iri), f"source/{src}", key="mentionedIn")
    return g


def _edge_label(r: _Reader, rec: FactRecord) -> str:
    v = rec.values
    date = _first(v, "date") or _first(v, "startDate")
    if rec.type == "Contract":
        for prop, suffix in (("value", " contract"), ("ceiling", " ceiling"), ("annualValue", "/yr")):
            amounts = [r.money_of(t) for t in v.get(prop, ())]
            amounts = [a for a in amounts if a]
            if amounts:
                amount, currency = max(amounts)
                from graph.values import Money

                return Money.parse({"amount": amount, "currency": currency}).short() + suffix
        return "contract"
    if rec.type == "Partnership":
        return f"partnership ({date})" if date else "partnership"
    if rec.type == "Investment":
        q = _first(v, "qualifier")
        return f"{q} investor" if q else "investor"
    if rec.type == "Competition":
        q = _first(v, "qualifier")
        return f"competitor ({q})" if q else "competitor"
    if rec.type == "Subsidiary":
        return "subsidiary of"
    if rec.type == "SubUnit":
        return "unit of"
    if rec.type == "Involvement":
        return _first(v, "role") or "involved in"
    if rec.type == "Position":
        return _first(v, "positionTitle") or "position at"
    if rec.type == "Subaward":
        for prop in ("value", "obligatedAmount"):
            amounts = [a for a in (r.money_of(t) for t in v.get(prop, ())) if a]
            if amounts:
                from graph.values import Money

                amount, currency = max(amounts)
                return Money.parse({"amount": amount, "currency": currency}).short() + " subaward"
        return "subaward"
    if rec.type == "Event":
        kind = _first(v, "eventType") or "event"
        return f"{kind} ({date})" if date else kind
    return rec.type.lower()


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _first(values: dict, prop: str) -> str:
    terms = sorted(values.get(prop, ()), key=str)
    return str(terms[0]) if terms else ""


def _ends(r: _Reader, rec: FactRecord) -> list[tuple[str, str, bool]]:
    """The (from, to, directed) actor pairs that a fact draws."""
    v = rec.values

    def actors(*props):
        out = []
        for prop in props:
            for t in sorted(v.get(prop, ()), key=str):
                if t in r.entities and r.entities[t]["kind"] in ACTOR_KINDS and _node_key(t) not in out:
                    out.append(_node_key(t))
        return out

    t = rec.type
    if t == "Contract":
        return [(a, c, True) for a, c in _paired(r, rec, "awardingAgency", "contractor")] + [
            (c, p, True) for c in actors("contractor") for p in actors("program") if c != p
        ]
    if t == "Partnership":
        return [(a, b, False) for a, b in combinations(sorted(actors("party")), 2)]
    if t == "Competition":
        return [(a, b, False) for a, b in combinations(sorted(actors("competitor")), 2)]
    if t == "Investment":
        return [(a, b, True) for a in actors("investor") for b in actors("investee")]
    if t in ("Subsidiary", "SubUnit"):
        return [(c, p, True) for c in actors("child") for p in actors("parent")]
    if t == "Involvement":
        return [(a, b, True) for a in actors("actor") for b in actors("program", "product")]
    if t == "Event":
        return [(a, b, True) for a in actors("participant") for b in actors("about", "program", "product") if a != b]
    if t == "Subaward":
        return [(a, b, True) for a in actors("primeRecipient") for b in actors("subRecipient") if a != b]
    if t == "Position":
        return [(a, b, True) for a in actors("holder") for b in actors("organization")]
    return []


def _paired(r: _Reader, rec: FactRecord, left: str, right: str) -> list[tuple[str, str]]:
    """Pairs (left, right) stated together by one source; values no source pairs are
    paired with every value of the other side (so each value still draws an edge)."""
    by_source = defaultdict(lambda: (set(), set()))
    for side, prop in ((0, left), (1, right)):
        for term, srcs in rec.values.get(prop, {}).items():
            if term in r.entities and r.entities[term]["kind"] in ACTOR_KINDS:
                for src in srcs:
                    by_source[src][side].add(_node_key(term))
    pairs = {(a, b) for lefts, rights in by_source.values() for a in lefts for b in rights}
    all_left = {a for lefts, _ in by_source.values() for a in lefts}
    all_right = {b for _, rights in by_source.values() for b in rights}
    pairs |= {(a, b) for a in all_left - {p[0] for p in pairs} for b in all_right}
    pairs |= {(a, b) for b in all_right - {p[1] for p in pairs} for a in all_left}
    return sorted(pairs)


def actor_view(ds: Dataset, reader: _Reader | None = None) -> nx.MultiDiGraph:
    """The actor view: entities as nodes, one edge per pair of actors a fact links."""
    r = reader or read_facts(ds)
    g = nx.MultiDiGraph()
    for iri in sorted(r.entities):
        info = r.entities[iri]
        if info["kind"] in ACTOR_KINDS:
            g.add_node(_node_key(iri), **info, assertions=[])
    for iri in sorted(r.facts):
        rec = r.facts[iri]
        details, disagreements = _details(r, rec)
        if rec.type == "Assertion":
            for t in sorted(rec.values.get("about", ()), key=str):
                target = _node_key(t)
                statement = _pick(rec.values.get("statement", {}).keys(), "en")
                item = {
                    "fact": rec.key,
                    "statement": statement,
                    "modality": _first(rec.values, "modality"),
                    "citations": rec.citations,
                }
                if target in g:
                    g.nodes[target]["assertions"].append(item)
                elif t in r.facts:  # about a fact: attach to the fact's edges below
                    r.facts[t].__dict__.setdefault("assertions", []).append(item)
            continue
        pairs = _ends(r, rec)
        valid = interval(rec.values)
        for i, (a, b, directed) in enumerate(pairs):
            g.add_edge(
                a,
                b,
                key=rec.key if len(pairs) == 1 else f"{rec.key}#{i + 1}",
                relation=rec.type,
                fact=rec.key,
                label=_edge_label(r, rec),
                fact_label=rec.label.get("en", ""),
                directed=directed,
                start=_first(rec.values, "startDate"),
                end=_first(rec.values, "endDate"),
                date=_first(rec.values, "date"),
                valid_from=_iso(valid[0]),
                valid_to=_iso(valid[1]),
                details=details,
                disagreements=disagreements,
                citations=rec.citations,
                sources=sorted({c["source"] for c in rec.citations}),
            )
    for _u, _v, data in g.edges(data=True):
        data["assertions"] = r.facts[URIRef(BASE + "fact/" + data["fact"])].__dict__.get("assertions", [])
    centrality = nx.degree_centrality(nx.Graph(g)) if len(g) > 1 else {n: 0.0 for n in g}
    for n in g:
        g.nodes[n]["degree_centrality"] = round(centrality.get(n, 0.0), 6)
    return g
