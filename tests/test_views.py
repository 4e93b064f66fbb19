"""The networkx views: the full graph (actors, relationship nodes, sources) and the actor view."""

from __future__ import annotations

import networkx as nx


def test_full_graph_has_entities_facts_and_sources_with_typed_edges(kg):
    g = kg.full
    assert isinstance(g, nx.MultiDiGraph)
    contract = "fact/openai-dod-2025-prototype-agreement"
    assert g.nodes[contract]["kind"] == "Contract"
    assert g.nodes["openai"]["kind"] == "Company"
    assert g.nodes["source/article-fr"]["kind"] == "Source"
    assert g.has_edge(contract, "dod", key="awardingAgency")
    assert g.has_edge(contract, "openai", key="contractor")
    assert g.has_edge(contract, "washington", key="placeOfPerformance")
    assert g.has_edge(contract, "source/article-fr", key="source")
    details = g.nodes[contract]["details"]
    assert details["value"] == "200,000,000 USD (article-fr, defensescoop-openai-ota)"
    assert "12 (article-fr, techstrong-openai-200m)" in details["offers"]
    assert len(g.nodes[contract]["citations"]) >= 10
    counts = {k: sum(1 for _, d in g.nodes(data=True) if d["node_type"] == k) for k in ("entity", "fact", "source")}
    assert counts["source"] == len(kg.curated.sources) + 1  # and the shipped table import
    assert counts["fact"] >= len(kg.curated.facts) + 500 and counts["entity"] >= len(kg.curated.entities) + 130
    assert {*kg.curated.facts} <= {n.split("/", 1)[1] for n, d in g.nodes(data=True) if d["node_type"] == "fact"}


def test_actor_view_draws_direct_edges_from_facts(kg):
    a = kg.actors
    assert "washington" not in a  # places are attributes of facts, not actors
    assert "openai" in a and "stargate" in a and "claude" in a

    def edges(u, v):
        return [d for _, _, d in a.edges(u, data=True) if _ == u and d] if False else [
            d for x, y, d in a.edges(data=True) if (x, y) == (u, v)
        ]

    (contract,) = [d for d in edges("dod", "openai") if d["relation"] == "Contract"]
    assert contract["label"] == "$200M contract"
    assert contract["directed"] is True
    assert {c["source"] for c in contract["citations"]} >= {"article-fr", "techstrong-openai-200m"}
    assert any("Douze contributions" in c["quote"] for c in contract["citations"])
    assert [d["label"] for d in edges("openai-public-sector", "openai")] == ["subsidiary of"]
    assert [d["label"] for d in edges("cdao", "dod")] == ["unit of"]
    assert [d["label"] for d in edges("microsoft", "openai")] == ["major investor"]
    assert [d["label"] for d in edges("anduril", "openai")] == ["partnership (2024-12)"]
    assert edges("anduril", "openai")[0]["directed"] is False
    assert [d["label"] for d in edges("openai", "palantir")] == ["competitor (potential)"]
    assert [d["label"] for d in edges("dod", "palantir")] == ["$210M/yr"]
    parties = {frozenset((u, v)) for u, v, d in a.edges(data=True) if d["fact"] == "anthropic-aws-palantir-partnership"}
    assert parties == {frozenset(p) for p in (("anthropic", "aws"), ("anthropic", "palantir"), ("aws", "palantir"))}
    assert {u for u, v, d in a.edges(data=True) if v == "stargate" and d["relation"] == "Event"} == {"sam-altman", "donald-trump"}
    for company in ("anthropic", "google", "openai", "xai"):
        assert any(d["label"] == "$200M ceiling" for d in edges("cdao", company))


def test_actor_view_nodes_carry_labels_aliases_and_centrality(kg):
    dod = kg.actors.nodes["dod"]
    assert dod["kind"] == "GovernmentAgency"
    assert dod["label_fr"] == "Département de la Défense des États-Unis"
    assert "Pentagone" in dod["aliases"]
    assert 0 < kg.actors.nodes["openai"]["degree_centrality"] <= 1
    curated = [d["degree_centrality"] for n, d in kg.actors.nodes(data=True) if n in kg.curated.entities and n != "dod"]
    assert kg.actors.nodes["openai"]["degree_centrality"] == max(curated)  # of the curated actors (the DoD
    # has the shipped awards' units besides)


def test_assertions_about_a_contract_travel_with_its_edges(kg):
    (edge,) = [d for u, v, d in kg.actors.edges(data=True) if (u, v) == ("dod", "openai") and d["relation"] == "Contract"]
    assert any(a["modality"] == "conditional" for a in edge["assertions"])


def test_views_are_deterministic(kg):
    from graph import build
    from tests.conftest import DATA

    again = build(DATA)
    assert list(again.actors.edges(keys=True)) == list(kg.actors.edges(keys=True))
    assert list(again.full.nodes) == list(kg.full.nodes)


def test_imported_rdf_in_the_data_folder_joins_the_views(curated_copy):
    """Importers write TriG files under data/; build() merges them: an imported contract
    to a new company appears in the actor view with its citation."""
    from graph import build

    (curated_copy / "imported").mkdir()
    (curated_copy / "imported" / "award.trig").write_text(
        """
@prefix dai: <https://w3id.org/defense-ai-graph/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/defense-ai-graph/source/sample-file> {
  <https://w3id.org/defense-ai-graph/source/sample-file> a dai:Source ;
      dai:title "sample.csv" ; dai:language "en"^^xsd:language .
  <https://w3id.org/defense-ai-graph/id/acme> a dai:Company ; rdfs:label "ACME LLC"@en ;
      dai:mentionedIn <https://w3id.org/defense-ai-graph/source/sample-file> .
  <https://w3id.org/defense-ai-graph/fact/award-1> a dai:Contract ;
      dai:awardingAgency <https://w3id.org/defense-ai-graph/id/dod> ;
      dai:contractor <https://w3id.org/defense-ai-graph/id/acme> ;
      dai:source <https://w3id.org/defense-ai-graph/source/sample-file> ;
      dai:citation <https://w3id.org/defense-ai-graph/fact/award-1/citation/sample-file> .
  <https://w3id.org/defense-ai-graph/fact/award-1/citation/sample-file> a dai:Citation ;
      dai:cites <https://w3id.org/defense-ai-graph/source/sample-file> ;
      dai:supports <https://w3id.org/defense-ai-graph/fact/award-1> ;
      dai:quote "row 2: ACME LLC,DEPT OF DEFENSE"@en .
}
""",
        encoding="utf-8",
    )
    kg = build(curated_copy)
    assert kg.actors.nodes["acme"]["label"] == "ACME LLC"
    assert kg.actors.nodes["acme"]["sources"] == ["sample-file"]
    (edge,) = [d for u, v, d in kg.actors.edges(data=True) if (u, v) == ("dod", "acme")]
    assert edge["citations"][0]["quote"] == "row 2: ACME LLC,DEPT OF DEFENSE"
