"""The property graph that GraphML, GEXF, node-link JSON, Cypher and neo4j-admin CSV share.

Built from :attr:`KnowledgeGraph.full` (entities, facts and sources as nodes, one typed
edge per fact property) **plus** the direct actor → actor edges of
:attr:`KnowledgeGraph.actors`, so a Neo4j or Gephi user gets both the relationship nodes
(with every value and its sources) and convenient direct edges.

Nodes
    ``id`` (``openai``, ``fact/<slug>``, ``source/<slug>``); labels: a base label
    (``Entity``, ``Fact`` or ``Source``) and the kind (``Company``, ``Contract``, ...);
    properties from the views: ``label``, ``label_fr``, ``aliases``, ``sources``,
    ``citations``, ``details``, ... Fact nodes also get ``quotes`` (every quote, sorted) and
    ``valid_from`` / ``valid_to`` (ISO dates or ``""``: when the fact holds).
Edges
    fact → entity, typed by the fact property (``AWARDING_AGENCY``, ``CONTRACTOR``,
    ``PARTY``, ...), with ``property``, ``sources`` and ``quotes`` (the words of those
    sources); fact → source ``SOURCE`` (with that source's ``quotes``); entity → source
    ``MENTIONED_IN``; and the derived actor edges (``CONTRACT``, ``PARTNER_OF``,
    ``INVESTED_IN``, ``COMPETES_WITH``, ``SUBSIDIARY_OF``, ``UNIT_OF``, ``INVOLVED_IN``,
    ``EVENT``) with the fact's ``caption`` (the view's edge ``label``), ``start_date``,
    ``end_date``, ``date``, ``valid_from``, ``valid_to``, ``details``, ``citations``,
    ``sources`` and ``quotes``. So provenance travels with every relationship.

Property values are strings, booleans, numbers or lists of strings; nested values
(``details``, ``citations``, ``assertions``) are JSON strings. Labels and relationship
types only ever come from the allow-lists :data:`NODE_LABELS` and :data:`EDGE_TYPES`
(a fact property outside the list becomes ``RELATED_TO`` with its name in ``property``),
so writers may put them in query text. Text holding a character that XML 1.0 cannot carry
(C0 controls other than tab, newline and carriage return) raises :class:`ExportError`.

Example
-------
>>> from graph import build
>>> pg = property_graph(build("data"))
>>> node = pg.node("openai")
>>> node.labels, node.properties["label"]
(('Entity', 'Company'), 'OpenAI')
>>> sorted({e.type for e in pg.edges if e.source == "dod" and e.target == "openai"})
['CONTRACT']
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
]

#: Node labels: a base label per node type, and the kinds (ontology classes).
NODE_LABELS = (
    "Entity", "Fact", "Source",
    "Company", "GovernmentAgency", "Organization", "Person", "Program", "Product", "Place",
    "Contract", "Subaward", "Partnership", "Investment", "Competition", "Subsidiary", "SubUnit",
    "Involvement", "Event", "Assertion",
)

#: Fact property (``kg.full`` edge key) -> relationship type.
FACT_PROPERTY_TYPES = {
    "about": "ABOUT", "actor": "ACTOR", "awardingAgency": "AWARDING_AGENCY", "child": "CHILD",
    "competitor": "COMPETITOR", "contractor": "CONTRACTOR", "fundingAgency": "FUNDING_AGENCY",
    "primeAward": "PRIME_AWARD", "primeRecipient": "PRIME_RECIPIENT", "subRecipient": "SUB_RECIPIENT",
    "investee": "INVESTEE",
    "investor": "INVESTOR", "parent": "PARENT", "participant": "PARTICIPANT", "party": "PARTY",
    "place": "PLACE", "placeOfPerformance": "PLACE_OF_PERFORMANCE", "product": "PRODUCT",
    "program": "PROGRAM", "subOrganizationOf": "SUB_ORGANIZATION_OF",
    "source": "SOURCE", "mentionedIn": "MENTIONED_IN",
}

#: Fact type (``kg.actors`` edge ``relation``) -> direct actor edge type.
RELATION_TYPES = {
    "Contract": "CONTRACT", "Subaward": "SUBAWARD", "Partnership": "PARTNER_OF", "Investment": "INVESTED_IN",
    "Competition": "COMPETES_WITH", "Subsidiary": "SUBSIDIARY_OF", "SubUnit": "UNIT_OF",
    "Involvement": "INVOLVED_IN", "Event": "EVENT",
}

#: Every relationship type a writer may emit.
EDGE_TYPES = tuple(sorted({*FACT_PROPERTY_TYPES.values(), *RELATION_TYPES.values(), "RELATED_TO"}))

_BASE_LABEL = {"entity": "Entity", "fact": "Fact", "source": "Source"}
_IDENTIFIER = re.compile(r"^[A-Z][A-Za-z_]*\Z")
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

assert all(_IDENTIFIER.match(x) for x in (*NODE_LABELS, *EDGE_TYPES))


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


def _properties(attrs: dict, where: str, skip=()) -> dict:
    return {
        _RENAMED.get(k, k): _value(v, where, as_json=k in JSON_PROPERTIES)
        for k, v in sorted(attrs.items())
        if v is not None and k not in skip
    }


def _quotes(citations: list, sources=None) -> list[str]:
    return sorted({c["quote"] for c in citations if c.get("quote") and (sources is None or c["source"] in sources)})


def _fact_interval(kg, node: str) -> tuple[str, str]:
    from rdflib import URIRef

    from graph.rdf import BASE
    from graph.timeline import interval

    rec = kg.records.facts.get(URIRef(BASE + node))
    if rec is None:
        return "", ""
    start, end = interval(rec.values)
    return (start.isoformat() if start else "", end.isoformat() if end else "")


def property_graph(kg) -> PropertyGraph:
    """The property graph of ``kg`` (see the module docstring), nodes and edges sorted."""
    full, actors = kg.full, kg.actors
    nodes, edges = [], []
    for node, attrs in sorted(full.nodes(data=True)):
        node_type = attrs.get("node_type", "entity")
        kind = attrs.get("kind", "")
        labels = (_BASE_LABEL.get(node_type, "Entity"),)
        if kind in NODE_LABELS and kind not in labels:
            labels += (kind,)
        props = {"id": node, **_properties(attrs, f"node {node}")}
        if node in actors:  # assertions and centrality from the actor view
            extra = {k: v for k, v in actors.nodes[node].items() if k in ("assertions", "degree_centrality")}
            props.update(_properties(extra, f"node {node}"))
        if node_type == "fact":
            props["quotes"] = _quotes(attrs.get("citations", []))
            props["valid_from"], props["valid_to"] = _fact_interval(kg, node)
        nodes.append(PGNode(node, labels, dict(sorted(props.items()))))
    for u, v, key, attrs in full.edges(keys=True, data=True):
        where = f"edge {u} -{key}-> {v}"
        etype = FACT_PROPERTY_TYPES.get(key, "RELATED_TO")
        props = {"property": key, **_properties(attrs, where)}
        citations = full.nodes[u].get("citations", [])
        if key == "source":
            props["quotes"] = _quotes(citations, {v.removeprefix("source/")})
        elif "sources" in attrs:
            props["quotes"] = _quotes(citations, set(attrs["sources"]))
        edges.append(PGEdge(f"{u}|{key}|{v}", u, v, etype, dict(sorted(props.items()))))
    for u, v, key, attrs in actors.edges(keys=True, data=True):
        where = f"edge {u} -{key}-> {v}"
        etype = RELATION_TYPES.get(attrs.get("relation"), "RELATED_TO")
        props = _properties(attrs, where, skip=("label",))
        props["caption"] = _value(attrs.get("label", ""), where)
        props["quotes"] = _quotes(attrs.get("citations", []))
        edges.append(PGEdge(f"{u}|{etype}|{v}|{key}", u, v, etype, dict(sorted(props.items()))))
    edges.sort(key=lambda e: (e.source, e.target, e.type, e.key))
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
        props = {k: flat_value(v) for k, v in e.properties.items()} if flat else dict(e.properties)
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
