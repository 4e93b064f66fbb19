"""Property graph exports read back by their consumers: GraphML, GEXF and node-link JSON by
networkx (same nodes, edges and attributes as the property graph), the neo4j-admin CSVs by
a reader that follows neo4j-admin's documented rules, FollowTheMoney entities by the
``followthemoney`` library and its ``ftm validate`` command. The seed data and the nasty
corpus (tests/nasty.py) both go through, and the nasty strings come back unchanged."""

from __future__ import annotations

import csv
import io
import json
import subprocess

import networkx as nx
import pytest

from graph.errors import ExportError
from graph.exporters import registry
from graph.exporters.neo4j_csv import ARRAY_DELIMITER
from graph.exporters.property_graph import (
    EDGE_TYPES,
    FACT_PROPERTY_TYPES,
    NODE_LABELS,
    property_graph,
    to_networkx,
)
from tests.nasty import NASTY, NASTY_LABEL, NASTY_QUOTE
from tests.servers import tool



def text(kg, fmt: str) -> str:
    return "".join(registry.get(fmt).generate(kg))


def assert_same_graph(read: nx.MultiDiGraph, want: nx.MultiDiGraph, ignore_edge=()) -> None:
    assert read.number_of_nodes() == want.number_of_nodes()
    assert read.number_of_edges() == want.number_of_edges()
    for n, attrs in want.nodes(data=True):
        assert read.nodes[n] == attrs, n
    got = {k: (u, v, {a: x for a, x in d.items() if a not in ignore_edge})
           for u, v, k, d in read.edges(keys=True, data=True)}
    for u, v, k, attrs in want.edges(keys=True, data=True):
        assert got[k] == (u, v, attrs), k


# -- the model ---------------------------------------------------------------------------


def test_property_graph_has_relationship_nodes_and_direct_actor_edges(kg):
    pg = property_graph(kg)
    assert len(pg.nodes) == kg.full.number_of_nodes()
    assert len(pg.edges) == kg.full.number_of_edges() + kg.actors.number_of_edges()
    contract = pg.node("fact/openai-dod-2025-prototype-agreement")
    assert contract.labels == ("Fact", "Contract")
    assert contract.properties["valid_from"] == "2025-06-16"
    award = [e for e in pg.edges if e.source == "fact/openai-dod-2025-prototype-agreement" and e.type == "CONTRACTOR"]
    assert {e.target for e in award} == {"openai", "openai-public-sector"}
    for e in award:  # provenance on the relationship: the sources and their exact words
        assert e.properties["sources"] and e.properties["quotes"]
    direct = [e for e in pg.edges if (e.source, e.target, e.type) == ("dod", "openai", "CONTRACTED_WITH")]
    assert direct and "200M" in direct[0].properties["caption"]
    assert json.loads(direct[0].properties["citations"])[0]["quote"] in direct[0].properties["quotes"]


def test_money_and_dates_are_typed_on_contract_nodes_and_edges(kg):
    pg = property_graph(kg)
    fact = pg.node("fact/openai-dod-2025-prototype-agreement").properties
    assert (fact["amount"], fact["currency"], fact["obligated"]) == (200_000_000.0, "USD", 1_999_998.0)
    assert (fact["contract_number"], fact["date"], fact["end_date"]) == ("HQ0883-25-9-0012", "2025-06-16",
                                                                         "2026-07-31")  # 2026-07: its last day
    assert "200,000,000 USD" in json.loads(fact["details"])["value"]  # the display text stays beside
    edge = next(e for e in pg.edges if e.type == "CONTRACTED_WITH" and e.source == "dod" and e.target == "openai")
    assert {k: edge.properties[k] for k in ("amount", "currency", "date")} == {
        "amount": 200_000_000.0, "currency": "USD", "date": "2025-06-16"}
    awards = [n for n in pg.nodes if n.properties.get("kind") == "Contract" and "obligated" in n.properties]
    assert len(awards) > 500 and all(isinstance(n.properties["obligated"], float) for n in awards)


def test_a_direct_edge_carries_the_sources_that_state_that_pair(kg):
    pg = property_graph(kg)
    edge = next(e for e in pg.edges if (e.source, e.target, e.type) == ("cdao", "openai-public-sector",
                                                                        "CONTRACTED_WITH"))
    assert edge.properties["sources"] == ["defensescoop-openai-ota"]  # the one source that names both
    assert {c["source"] for c in json.loads(edge.properties["citations"])} == {"defensescoop-openai-ota"}
    fact = pg.node("fact/openai-dod-2025-prototype-agreement")
    assert len(fact.properties["sources"]) > 1


def test_one_null_policy_no_empty_string_or_list_anywhere(kg, nasty_kg):
    for g in (kg, nasty_kg):
        pg = property_graph(g)
        for item in (*pg.nodes, *pg.edges):
            for k, v in item.properties.items():
                assert v not in ("", [], "[]", "{}"), (item, k)
    files = neo4j_files(kg)
    assert ',""' not in "".join(files.values()) and not [x for x in text(kg, "cypher").split('"') if x == "[]"]


def test_no_relationship_type_is_a_label_but_for_case():
    assert not {t.lower() for t in EDGE_TYPES} & {x.lower() for x in NODE_LABELS}


def test_labels_and_types_come_from_the_allow_lists(kg, nasty_kg):
    for g in (kg, nasty_kg):
        pg = property_graph(g)
        assert {x for n in pg.nodes for x in n.labels} <= set(NODE_LABELS)
        assert {e.type for e in pg.edges} <= set(EDGE_TYPES)
    assert {e.type for e in property_graph(kg).edges if e.type == "RELATED_TO"} == set()


def test_the_allow_lists_cover_the_ontology():
    """A new class or object property in the ontology must get a label or relationship type."""
    from rdflib import OWL, RDF, RDFS

    from ontology import NAMESPACE, ontology_graph
    from ontology.vocab import DAI

    onto = ontology_graph()

    def local(term) -> str:
        return str(term)[len(NAMESPACE):]

    props = {p for p in onto.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(NAMESPACE)}
    linking = {local(p) for p in props if (p, RDFS.range, DAI.MonetaryAmount) not in onto} - {"cites", "supports",
                                                                                               "citation"}
    assert not linking - set(FACT_PROPERTY_TYPES), "add to FACT_PROPERTY_TYPES"
    classes = {local(c) for c in onto.subjects(RDF.type, OWL.Class) if str(c).startswith(NAMESPACE)}
    abstract = {"Actor", "Fact", "Relationship", "OrganizationalLink", "Citation", "MonetaryAmount"}
    assert not classes - abstract - set(NODE_LABELS), "add to NODE_LABELS"


def test_control_characters_are_refused(kg):
    from graph.exporters.property_graph import _value

    with pytest.raises(ExportError, match="control character"):
        _value("bell\x07", "node x")


# -- GraphML, GEXF, node-link: networkx reads them back ------------------------------------------


def xml_want(pg):
    """The networkx graph GraphML and GEXF hold: flat values, numeric twins of the validity
    dates, the relationship type in ``relationship`` (sigma.js reserves ``type``)."""
    from graph.exporters.gexf import xml_properties

    want = to_networkx(pg, flat=True)
    for n in pg.nodes:
        want.nodes[n.id].update(xml_properties(n.properties))
    for _u, _v, _k, d in want.edges(keys=True, data=True):
        d["relationship"] = d.pop("type")
        d.update(xml_properties(d))
    return want


def test_graphml_reads_back_with_the_same_nodes_edges_and_attributes(graph):
    from graph.exporters.property_graph import drawing

    read = nx.read_graphml(io.BytesIO(text(graph, "graphml").encode("utf-8")), force_multigraph=True)
    pg = property_graph(graph)
    want = xml_want(pg)
    for n, (x, y, size, colour) in drawing(pg).items():
        want.nodes[n].update(x=float(x), y=float(-y), size=size, color=colour)
    for _u, _v, k, d in want.edges(keys=True, data=True):
        d["label"] = d["relationship"]  # APOC reads the relationship type from the edge label
        d["key"] = k  # also a data attribute (igraph keeps no XML edge id)
    assert_same_graph(read, want)


def test_gexf_reads_back_with_the_same_nodes_edges_attributes_and_intervals(graph):
    read = nx.read_gexf(io.BytesIO(text(graph, "gexf").encode("utf-8")), version="1.3")
    assert read.graph["mode"] == "dynamic"
    pg = property_graph(graph)
    want = xml_want(pg)
    for n, d in read.nodes(data=True):  # drawn: position, size and colour on every node
        viz = d.pop("viz")
        assert set(viz) == {"position", "size", "color"}, n
    fact_interval = {n.id: n.properties for n in pg.nodes if n.properties.get("valid_from")}
    for _n, d in want.nodes(data=True):
        if d.get("valid_from"):
            d["start"] = d["valid_from"]
        if d.get("valid_to"):
            d["end"] = d["valid_to"]
    for u, _v, k, d in want.edges(keys=True, data=True):
        timed = d if "valid_from" in d else fact_interval.get(u, {})
        if timed.get("valid_from"):
            d["start"] = timed["valid_from"]
        if timed.get("valid_to"):
            d["end"] = timed["valid_to"]
        d["label"] = d["relationship"]  # as in GraphML
        d["id"] = k  # the XML id
    assert_same_graph(read, want)
    timed_edges = [d for *_e, d in read.edges(data=True) if d.get("relationship") == "CONTRACTED_WITH"
                   and "start" in d]
    assert timed_edges, "direct contract edges carry time intervals for Gephi's timeline"


def test_nodelink_reads_back_with_the_same_nodes_edges_and_attributes(graph):
    data = json.loads(text(graph, "nodelink"))
    read = nx.node_link_graph(data, edges="links")
    want = to_networkx(property_graph(graph))
    for _n, d in want.nodes(data=True):
        del d["id"]  # node_link_graph makes it the node key
    assert_same_graph(read, want)


def test_nasty_strings_survive_graphml_gexf_and_nodelink(nasty_kg):
    graphml = nx.read_graphml(io.BytesIO(text(nasty_kg, "graphml").encode()), force_multigraph=True)
    gexf = nx.read_gexf(io.BytesIO(text(nasty_kg, "gexf").encode()), version="1.3")
    nodelink = nx.node_link_graph(json.loads(text(nasty_kg, "nodelink")), edges="links")
    for g in (graphml, gexf, nodelink):
        corp = g.nodes["nasty-corp"]
        assert corp["label"] == NASTY_LABEL
        assert corp["description"] == NASTY_QUOTE
        aliases = corp["aliases"] if isinstance(corp["aliases"], list) else json.loads(corp["aliases"])
        assert set(NASTY[:4]) <= set(aliases)
        quotes = [q for *_e, d in g.edges(data=True) if "PARTNER_OF" in (d.get("type"), d.get("relationship"))
                  for q in (d["quotes"] if isinstance(d["quotes"], list) else json.loads(d["quotes"]))]
        assert NASTY_QUOTE in quotes
        assert g.nodes["fact/nasty-partnership"]["label"] == NASTY[8]


# -- neo4j-admin CSV ---------------------------------------------------------------------


def read_neo4j_csv(files: dict[str, str]) -> tuple[dict, list]:
    """Read the CSVs as neo4j-admin does (quotes doubled, multi-line fields, typed headers,
    arrays and labels split on the array delimiter); an empty unquoted field is no value."""

    def convert(raw: str, kind: str, quoted: bool):
        if raw == "" and not quoted:
            return None
        if kind == "string[]":
            return raw.split(ARRAY_DELIMITER)
        if kind == "boolean":
            return raw == "true"
        if kind == "long":
            return int(raw)
        if kind == "double":
            return float(raw)
        return raw

    def rows(body: str):
        header_line, _, rest = body.partition("\n")
        header = header_line.split(",")
        for record in _records(rest):
            yield header, record

    nodes, rels = {}, []
    for name, body in sorted(files.items()):
        if not name.endswith(".csv"):
            continue
        for header, record in rows(body):
            assert len(record) == len(header), (name, record)
            item = {"props": {}}
            for column, (raw, quoted) in zip(header, record, strict=True):
                field, _, kind = column.partition(":")
                if kind in ("ID", "START_ID", "END_ID", "TYPE"):
                    item[kind] = raw
                    if kind == "ID" and field:
                        item["props"][field] = raw
                elif kind == "LABEL":
                    item["labels"] = tuple(raw.split(ARRAY_DELIMITER))
                else:
                    value = convert(raw, kind, quoted)
                    if value is not None:
                        item["props"][field] = value
            if "ID" in item:
                nodes[item["ID"]] = item
            else:
                rels.append(item)
    return nodes, rels


def _records(text: str):
    """CSV records with, for each field, whether it was quoted (csv.reader loses that)."""
    fields, field, quoted, in_quotes, i = [], [], False, False, 0
    while i < len(text):
        ch = text[i]
        if in_quotes:
            if ch == '"' and text[i + 1 : i + 2] == '"':
                field.append('"')
                i += 1
            elif ch == '"':
                in_quotes = False
            else:
                field.append(ch)
        elif ch == '"':
            in_quotes = quoted = True
        elif ch == ",":
            fields.append(("".join(field), quoted))
            field, quoted = [], False
        elif ch == "\n":
            fields.append(("".join(field), quoted))
            yield fields
            fields, field, quoted = [], [], False
        else:
            field.append(ch)
        i += 1
    assert not in_quotes and not field and not fields, "the file must end with a newline"


def neo4j_files(kg) -> dict[str, str]:
    return {name: "".join(chunks) for name, chunks in registry.get("neo4j-csv").generate(kg).items()}


def test_neo4j_csv_holds_the_property_graph(graph):
    files = neo4j_files(graph)
    assert "--multiline-fields=true" in files["import.sh"] and 'array-delimiter="U+001F"' in files["import.sh"]
    nodes, rels = read_neo4j_csv(files)
    pg = property_graph(graph)
    assert set(nodes) == {n.id for n in pg.nodes}
    for n in pg.nodes:
        assert nodes[n.id]["labels"] == n.labels
        assert nodes[n.id]["props"] == n.properties, n.id
    by_key = {r["props"]["key"]: r for r in rels}
    assert len(by_key) == len(pg.edges) == len(rels)
    for e in pg.edges:
        r = by_key[e.key]
        assert (r["START_ID"], r["END_ID"], r["TYPE"]) == (e.source, e.target, e.type)
        assert r["props"] == e.properties and e.properties["key"] == e.key


def test_neo4j_csv_headers_are_typed(kg):
    files = neo4j_files(kg)
    header = files["nodes_Entity.csv"].split("\n", 1)[0].split(",")
    assert header[:2] == ["id:ID", ":LABEL"] and "aliases:string[]" in header and "degree_centrality:double" in header
    rel_header = files["relationships.csv"].split("\n", 1)[0].split(",")
    assert rel_header[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert all(":" in column for column in rel_header)


def test_neo4j_csv_is_written_as_a_folder_atomically(kg, tmp_path, run_kg):
    out = tmp_path / "neo4j-import"
    registry.write(registry.get("neo4j-csv"), kg, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(neo4j_files(kg))
    registry.write(registry.get("neo4j-csv"), kg, out)  # replaces the folder
    assert [p.name for p in tmp_path.iterdir()] == ["neo4j-import"]  # no temporary folder left
    with pytest.raises(ExportError, match="writes a folder"):
        registry.write(registry.get("neo4j-csv"), kg, "-")


def test_csv_module_reads_the_same_rows(kg):
    """Python's csv module (RFC 4180) agrees with the reader above on every record."""
    for name, body in neo4j_files(kg).items():
        if name.endswith(".csv"):
            mine = [[raw for raw, _q in record] for record in _records(body.split("\n", 1)[1])]
            assert list(csv.reader(io.StringIO(body.split("\n", 1)[1], newline=""))) == mine


# -- FollowTheMoney -----------------------------------------------------------------------


def test_ftm_entities_are_valid_for_the_followthemoney_model(graph):
    model = pytest.importorskip("followthemoney").model
    entities = [json.loads(line) for line in text(graph, "ftm").splitlines()]
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)
    for e in entities:
        proxy = model.get_proxy(e, cleaned=False)  # cleans and validates every value
        cleaned = proxy.to_dict()["properties"]
        for prop, values in e["properties"].items():
            schema_prop = proxy.schema.get(prop)
            assert schema_prop is not None, (e["schema"], prop)
            # nothing is lost but what FtM's own cleaning changes (whitespace in names, format
            # characters such as U+200F and line separators in texts)
            own = sorted({c for v in values if (c := schema_prop.type.clean(v)) is not None})
            assert sorted(cleaned.get(prop, [])) == own, (e["id"], prop)
            if schema_prop.type.name == "entity":
                assert set(values) <= ids, (e["id"], prop, values)
    schemas = {e["schema"] for e in entities}
    assert {"Company", "PublicBody", "Contract", "ContractAward", "Article"} <= schemas
    for link in (e for e in entities if model.get(e["schema"]).edge):
        assert link["properties"].get("proof") and link["properties"].get("description"), link["id"]


def test_ftm_validate_command_accepts_the_export(graph, tmp_path):
    ftm = tool("ftm")
    src = tmp_path / "kg.ftm.json"
    src.write_text(text(graph, "ftm"), encoding="utf-8")
    out = tmp_path / "validated.json"
    subprocess.run([ftm, "validate", "-i", str(src), "-o", str(out)], check=True, capture_output=True)
    before = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    after = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["id"] for e in after] == [e["id"] for e in before]


def test_nasty_strings_survive_ftm(nasty_kg):
    """The exact strings are in the file; FtM's cleaning then changes only what it always does."""
    model = pytest.importorskip("followthemoney").model
    text_type = model.get("Company").get("description").type
    raw, entities = {}, {}
    for line in text(nasty_kg, "ftm").split("\n"):  # one entity per line, even with U+2028 in values
        if line:
            e = json.loads(line)
            raw[e["id"]] = e
            entities[e["id"]] = model.get_proxy(e, cleaned=False)
    assert {NASTY_QUOTE, NASTY_LABEL} <= set(raw["dai-nasty-corp"]["properties"]["description"])
    assert text_type.clean(NASTY_QUOTE) in entities["dai-nasty-corp"].get("description")
    links = [i for i, p in entities.items() if p.schema.name == "UnknownLink"
             and "dai-nasty-corp" in p.get("subject") + p.get("object")]
    assert links and all(NASTY_QUOTE in raw[i]["properties"]["description"] for i in links)
