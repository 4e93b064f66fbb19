"""The property graph that GraphML, GEXF, node-link JSON, Cypher and neo4j-admin CSV share.

Built from :attr:`KnowledgeGraph.full` (entities, facts and sources as nodes, one typed
edge per fact property) **plus** the direct actor → actor edges of
:attr:`KnowledgeGraph.actors`, so a Neo4j or Gephi user gets both the relationship nodes
(with every value and its sources) and convenient direct edges.

Nodes
    ``id`` (``openai``, ``fact/<slug>``, ``source/<slug>``); labels: a base label
    (``Entity``, ``Fact`` or ``Source``) and the kind (``Company``, ``Contract``, ...);
    properties from the views: ``label``, ``label_fr``, ``aliases``, ``sources``,
    ``citations``, ``details``, ... Fact nodes also get ``quotes`` (every quote, sorted),
    ``valid_from`` / ``valid_to`` (ISO dates: when the fact holds) and the typed values of
    :data:`TYPED_PROPERTIES` (``amount``, ``currency``, ``ceiling``, ``obligated``,
    ``contract_number``, ``date``, ``start_date``, ``end_date``), the display text of every
    value, with its sources, staying in ``details``.
Edges
    fact → entity, typed by the fact property (``AWARDING_AGENCY``, ``CONTRACTOR``,
    ``PARTY``, ...), with ``property``, ``sources`` and ``quotes`` (the words of those
    sources); fact → source ``STATED_IN`` (with that source's ``quotes``); entity → source
    ``MENTIONED_IN``; and the derived actor edges (``CONTRACTED_WITH``, ``PARTNER_OF``,
    ``INVESTED_IN``, ``COMPETES_WITH``, ``SUBSIDIARY_OF``, ``UNIT_OF``, ``INVOLVED_IN``,
    ``EVENT_ABOUT``, ``SUBCONTRACTED_TO``, ``HOLDS_POSITION_AT``) with the fact's ``caption`` (the view's edge
    ``label``), its typed values (as on the fact node), ``valid_from``, ``valid_to``,
    ``details``, and the ``sources`` that state *that pair* (those naming both ends, else
    those naming either), with their ``citations`` and ``quotes``. So provenance travels
    with every relationship. Every edge carries its ``key`` (unique among the edges).

Property values are strings, booleans, numbers or lists of strings; nested values
(``details``, ``citations``, ``assertions``) are JSON strings. Labels and relationship
types only ever come from the allow-lists :data:`NODE_LABELS` and :data:`EDGE_TYPES`
(a fact property outside the list becomes ``RELATED_TO`` with its name in ``property``),
so writers may put them in query text; no relationship type equals a label but for case
(embedded engines such as LadybugDB keep both in one case-insensitive catalog). Text
holding a character that XML 1.0 cannot carry (C0 controls other than tab, newline and
carriage return) raises :class:`ExportError`.

Null policy (every property graph format)
    A value that is absent, an empty string, an empty list or an empty map is **no
    property**: no key in the node or edge (Cypher, JSON), ``NULL`` in a typed column
    (LadybugDB), an empty unquoted CSV field (neo4j-admin), no ``<data>`` / ``<attvalue>``
    element (GraphML, GEXF). So ``IS NULL`` finds every gap, and every route gives the same
    graph. An empty string is never written as a value.

Example
-------
>>> from graph import build
>>> pg = property_graph(build("data"))
>>> node = pg.node("openai")
>>> node.labels, node.properties["label"]
(('Entity', 'Company'), 'OpenAI')
>>> sorted({e.type for e in pg.edges if e.source == "dod" and e.target == "openai"})
['CONTRACTED_WITH']
>>> fact = pg.node("fact/openai-dod-2025-prototype-agreement").properties
>>> fact["amount"], fact["currency"], fact["contract_number"], fact["date"]
(200000000.0, 'USD', 'HQ0883-25-9-0012', '2025-06-16')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import networkx as nx

from graph.errors import ExportError

__all__ = [
    "PGNode", "PGEdge", "PropertyGraph", "property_graph", "to_networkx", "flat_value",
    "NODE_LABELS", "EDGE_TYPES", "FACT_PROPERTY_TYPES", "RELATION_TYPES", "JSON_PROPERTIES",
    "TYPED_PROPERTIES", "DATE_PROPERTIES", "is_absent", "pg_node", "pg_full_edge", "pg_actor_edge", "edge_order",
]

#: Node labels: a base label per node type, and the kinds (ontology classes).
NODE_LABELS = (
    "Entity", "Fact", "Source",
    "Company", "GovernmentAgency", "Organization", "Person", "Program", "Product", "Place",
    "Contract", "Subaward", "Partnership", "Investment", "Competition", "Subsidiary", "SubUnit",
    "Involvement", "Event", "Assertion", "Position",
)

#: Fact property (``kg.full`` edge key) -> relationship type.
FACT_PROPERTY_TYPES = {
    "about": "ABOUT", "actor": "ACTOR", "awardingAgency": "AWARDING_AGENCY", "child": "CHILD",
    "competitor": "COMPETITOR", "contractor": "CONTRACTOR", "fundingAgency": "FUNDING_AGENCY",
    "primeAward": "PRIME_AWARD", "primeRecipient": "PRIME_RECIPIENT", "subRecipient": "SUB_RECIPIENT",
    "investee": "INVESTEE",
    "investor": "INVESTOR", "parent": "PARENT", "participant": "PARTICIPANT", "party": "PARTY",
    "place": "HAS_PLACE", "placeOfPerformance": "PLACE_OF_PERFORMANCE", "product": "HAS_PRODUCT",
    "program": "HAS_PROGRAM", "subOrganizationOf": "SUB_ORGANIZATION_OF",
    "holder": "HOLDER", "organization": "AT_ORGANIZATION",
    "source": "STATED_IN", "mentionedIn": "MENTIONED_IN",
}

#: Fact type (``kg.actors`` edge ``relation``) -> direct actor edge type.
RELATION_TYPES = {
    "Contract": "CONTRACTED_WITH", "Subaward": "SUBCONTRACTED_TO", "Partnership": "PARTNER_OF",
    "Investment": "INVESTED_IN", "Competition": "COMPETES_WITH", "Subsidiary": "SUBSIDIARY_OF",
    "SubUnit": "UNIT_OF", "Involvement": "INVOLVED_IN", "Event": "EVENT_ABOUT", "Position": "HOLDS_POSITION_AT",
}

#: Every relationship type a writer may emit.
EDGE_TYPES = tuple(sorted({*FACT_PROPERTY_TYPES.values(), *RELATION_TYPES.values(), "RELATED_TO"}))

_BASE_LABEL = {"entity": "Entity", "fact": "Fact", "source": "Source"}
_IDENTIFIER = re.compile(r"^[A-Z][A-Za-z_]*\Z")
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

assert all(_IDENTIFIER.match(x) for x in (*NODE_LABELS, *EDGE_TYPES))
assert not {x.lower() for x in NODE_LABELS} & {x.lower() for x in EDGE_TYPES}, "a type clashes with a label"

#: Typed values of a fact (on its node and on its direct actor edges): name -> type.
#: Amounts are in ``currency`` (the largest value a source gives in it; the others stay in
#: ``details``); dates are full ISO dates: ``date`` and ``start_date`` the first day the
#: stated value covers, ``end_date`` the last (``2026-07`` ends on 2026-07-31).
TYPED_PROPERTIES = {
    "amount": "double", "currency": "string", "ceiling": "double", "obligated": "double",
    "contract_number": "string", "date": "date", "start_date": "date", "end_date": "date",
}
#: Properties that hold full ISO dates (``YYYY-MM-DD``).
DATE_PROPERTIES = ("date", "start_date", "end_date", "valid_from", "valid_to")
#: fact property -> typed property holding its amount
_MONEY = {"value": "amount", "ceiling": "ceiling", "obligatedAmount": "obligated"}


@dataclass(frozen=True)
class PGNode:
    id: str
    labels: tuple[str, ...]
    properties: dict = field(hash=False)


@dataclass(frozen=True)
class PGEdge:
    key: str  #: unique among the edges
    source: str
    target: str
    type: str
    properties: dict = field(hash=False)


@dataclass
class PropertyGraph:
    nodes: list[PGNode]
    edges: list[PGEdge]

    def node(self, node_id: str) -> PGNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def _check_text(text: str, where: str) -> str:
    if _FORBIDDEN.search(text):
        raise ExportError(f"{where}: a value holds a control character that property graph formats cannot carry")
    return text


#: View attributes that hold nested data: always JSON strings (even when empty).
JSON_PROPERTIES = ("assertions", "citations", "details")
#: View attribute renamed in the property graph (``start``/``end`` mean time intervals in GEXF).
_RENAMED = {"start": "start_date", "end": "end_date"}


def _value(value, where: str, *, as_json: bool = False):
    """A view attribute as a property value: scalar, list of strings, or a JSON string."""
    if isinstance(value, str) and not as_json:
        return _check_text(value, where)
    if isinstance(value, bool | int | float) and not as_json:
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value) and not as_json:
        return [_check_text(v, where) for v in value]
    return _check_text(json.dumps(value, ensure_ascii=False, sort_keys=True), where)


def is_absent(value) -> bool:
    """Whether ``value`` is no property under the null policy (None, "", [] or {}).

    >>> [is_absent(v) for v in (None, "", [], {}, 0, False, "x")]
    [True, True, True, True, False, False, False]
    """
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _properties(attrs: dict, where: str, skip=()) -> dict:
    return {
        _RENAMED.get(k, k): _value(v, where, as_json=k in JSON_PROPERTIES)
        for k, v in sorted(attrs.items())
        if not is_absent(v) and k not in skip
    }


def _typed_values(reader, rec) -> dict:
    """The :data:`TYPED_PROPERTIES` of a fact record (only those it has)."""
    from graph.values import FlexDate

    v = rec.values
    out: dict = {}
    money = {name: [m for t in v.get(prop, ()) if (m := reader.money_of(t))] for prop, name in _MONEY.items()}
    currency = next((max(money[n])[1] for n in ("amount", "ceiling", "obligated") if money[n]), None)
    if currency:
        out["currency"] = currency
        for name, amounts in money.items():
            same = [a for a, c in amounts if c == currency]
            if same:
                out[name] = float(max(same))
    numbers = sorted(str(t) for t in v.get("contractNumber", ()))
    if numbers:
        out["contract_number"] = numbers[0]

    def days(prop, which):
        found = []
        for t in v.get(prop, ()):
            try:
                found.append(getattr(FlexDate.parse(str(t)), which))
            except ValueError:
                pass
        return found

    for name, prop, which, pick in (("date", "date", "earliest", min), ("start_date", "startDate", "earliest", min),
                                    ("end_date", "endDate", "latest", max)):
        found = days(prop, which)
        if found:
            out[name] = pick(found).isoformat()
    return out


def _stating(rec, node: str) -> set[str]:
    """The sources that name ``node`` (a node key) in any value of the fact record."""
    from graph.views import _node_key

    return {src for by_value in rec.values.values() for term, srcs in by_value.items()
            if _node_key(term) == node for src in srcs}


def _quotes(citations: list, sources=None) -> list[str]:
    return sorted({c["quote"] for c in citations if c.get("quote") and (sources is None or c["source"] in sources)})


def _record(kg, node: str):
    """The fact record of a fact node key (``fact/<slug>``), or None."""
    from rdflib import URIRef

    from graph.rdf import BASE

    return kg.records.facts.get(URIRef(BASE + node))


def _fact_interval(kg, node: str) -> tuple[str, str]:
    from graph.timeline import interval

    rec = _record(kg, node)
    if rec is None:
        return "", ""
    start, end = interval(rec.values)
    return (start.isoformat() if start else "", end.isoformat() if end else "")


def pg_node(kg, node: str, attrs: dict) -> PGNode:
    """The property graph node of the ``kg.full`` node ``node`` (its attributes ``attrs``;
    an actor's assertions and centrality are read from ``kg.actors``)."""
    node_type = attrs.get("node_type", "entity")
    kind = attrs.get("kind", "")
    labels = (_BASE_LABEL.get(node_type, "Entity"),)
    if kind in NODE_LABELS and kind not in labels:
        labels += (kind,)
    props = {"id": node, **_properties(attrs, f"node {node}")}
    if node in kg.actors:  # assertions and centrality from the actor view
        extra = {k: v for k, v in kg.actors.nodes[node].items() if k in ("assertions", "degree_centrality")}
        props.update(_properties(extra, f"node {node}"))
    if node_type == "fact":
        props["quotes"] = _quotes(attrs.get("citations", []))
        props["valid_from"], props["valid_to"] = _fact_interval(kg, node)
        rec = _record(kg, node)
        if rec is not None:
            props.update(_typed_values(kg.records, rec))
    props = {k: v for k, v in props.items() if not is_absent(v)}
    return PGNode(node, labels, dict(sorted(props.items())))


def pg_full_edge(kg, u: str, v: str, key: str, attrs: dict) -> PGEdge:
    """The property graph edge of the ``kg.full`` edge ``u -key-> v``."""
    where = f"edge {u} -{key}-> {v}"
    etype = FACT_PROPERTY_TYPES.get(key, "RELATED_TO")
    props = {"property": key, **_properties(attrs, where)}
    citations = kg.full.nodes[u].get("citations", [])
    if key == "source":
        props["quotes"] = _quotes(citations, {v.removeprefix("source/")})
    elif "sources" in attrs:
        props["quotes"] = _quotes(citations, set(attrs["sources"]))
    props["key"] = f"{u}|{key}|{v}"
    props = {k: x for k, x in props.items() if not is_absent(x)}
    return PGEdge(props["key"], u, v, etype, dict(sorted(props.items())))


def pg_actor_edge(kg, u: str, v: str, key: str, attrs: dict) -> PGEdge:
    """The direct actor edge of the ``kg.actors`` edge ``u -key-> v``."""
    where = f"edge {u} -{key}-> {v}"
    etype = RELATION_TYPES.get(attrs.get("relation"), "RELATED_TO")
    rec = _record(kg, "fact/" + attrs["fact"]) if attrs.get("fact") else None
    attrs = dict(attrs)
    if rec is not None:  # the sources that state this pair, not all the fact's sources
        ends = _stating(rec, u), _stating(rec, v)
        stating = (ends[0] & ends[1]) or (ends[0] | ends[1])
        if stating:
            attrs["sources"] = sorted(stating)
            attrs["citations"] = [c for c in attrs.get("citations", []) if c["source"] in stating]
    props = _properties(attrs, where, skip=("label", "start", "end", "date"))
    props["caption"] = _value(attrs.get("label", ""), where)
    props["quotes"] = _quotes(attrs.get("citations", []))
    if rec is not None:
        props.update(_typed_values(kg.records, rec))
    props["key"] = f"{u}|{etype}|{v}|{key}"
    props = {k: x for k, x in props.items() if not is_absent(x)}
    return PGEdge(props["key"], u, v, etype, dict(sorted(props.items())))


def edge_order(e: PGEdge) -> tuple:
    """How the edges of a property graph are sorted: by source, target, type and key."""
    return e.source, e.target, e.type, e.key


def property_graph(kg) -> PropertyGraph:
    """The property graph of ``kg`` (see the module docstring), nodes and edges sorted."""
    nodes = [pg_node(kg, node, attrs) for node, attrs in sorted(kg.full.nodes(data=True))]
    edges = [pg_full_edge(kg, u, v, key, attrs) for u, v, key, attrs in kg.full.edges(keys=True, data=True)]
    edges += [pg_actor_edge(kg, u, v, key, attrs) for u, v, key, attrs in kg.actors.edges(keys=True, data=True)]
    edges.sort(key=edge_order)
    keys = [e.key for e in edges]
    if len(set(keys)) != len(keys):  # pragma: no cover - keys are built to be unique
        raise ExportError("duplicate edge keys in the property graph")
    return PropertyGraph(nodes, edges)


def flat_value(value):
    """A property value as GraphML/GEXF hold it: lists become JSON strings."""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


def to_networkx(pg: PropertyGraph, *, flat: bool = False) -> nx.MultiDiGraph:
    """The property graph as a networkx MultiDiGraph: node attribute ``labels`` (a list, or
    ``":Entity:Company"`` when ``flat``), edge key = :attr:`PGEdge.key`, edge attribute
    ``type``. With ``flat``, list values are JSON strings (what GraphML and GEXF can hold)."""
    g = nx.MultiDiGraph()
    for n in pg.nodes:
        props = {k: flat_value(v) for k, v in n.properties.items()} if flat else dict(n.properties)
        props["labels"] = "".join(f":{label}" for label in n.labels) if flat else list(n.labels)
        g.add_node(n.id, **props)
    for e in pg.edges:
        props = {k: flat_value(v) for k, v in e.properties.items() if k != "key"} if flat else \
            {k: v for k, v in e.properties.items() if k != "key"}  # the key is the networkx edge key
        g.add_edge(e.source, e.target, key=e.key, type=e.type, **props)
    return g


def xml_type(value) -> str:
    """The XML-schema-like type GraphML (``attr.type``) and GEXF use for a flat value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def xml_text(value) -> str:
    """A flat value as GraphML / GEXF text (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def epoch_ms(day: str) -> int:
    """An ISO date as milliseconds since 1970-01-01 UTC (what JavaScript's ``Date`` takes):
    the numeric twin of a date property, for range filters in Gephi Lite or sigma.js.

    >>> epoch_ms("1970-01-02")
    86400000
    """
    import datetime as dt

    return (dt.date.fromisoformat(day) - dt.date(1970, 1, 1)).days * 86_400_000


#: Colours of the node kinds that are not actors (facts by the relation they draw, sources).
_FACT_COLOUR, _SOURCE_COLOUR = "#94a3b8", "#a8a29e"


def drawing(pg: PropertyGraph) -> dict[str, tuple[int, int, float, str]]:
    """Where and how to draw each node: ``{id: (x, y, size, "#rrggbb")}``, deterministic.

    Positions from the explorer's layout (:func:`graph.exporters.html.layout`), sizes by
    connectedness (4 to 20, the square root of the degree), colours by kind (the
    explorer's for actors and relations, grey for sources). What GEXF writes as
    ``viz:position`` / ``viz:size`` / ``viz:color`` and GraphML as ``x``, ``y``, ``size``,
    ``color``, so that sigma.js or Gephi Lite draw the file as it is.
    """
    import math

    from graph.exporters.html import KIND_STYLES, RELATION_STYLES, layout

    g = nx.Graph()
    g.add_nodes_from(n.id for n in pg.nodes)
    g.add_edges_from((e.source, e.target) for e in pg.edges)
    degree = dict(g.degree())
    top = max(degree.values(), default=0) or 1
    sizes = {n: round(4.0 + 16.0 * math.sqrt(degree[n] / top), 2) for n in g}
    positions = layout(g, sizes)
    out = {}
    for n in pg.nodes:
        kind = n.properties.get("kind", "")
        if n.labels[0] == "Source":
            colour = _SOURCE_COLOUR
        elif n.labels[0] == "Fact":
            colour = RELATION_STYLES.get(kind, (_FACT_COLOUR,))[0]
        else:
            colour = KIND_STYLES.get(kind, ("#64748b",))[0]
        x, y = positions[n.id]
        out[n.id] = (x, y, sizes[n.id], colour)
    return out
