"""The ontology: parses, is versioned, labelled in English and French, aligned with the
standard vocabularies, declares every term the data uses, and agrees with ontology/vocab.py."""

from __future__ import annotations

import owlrl
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

from graph.validate import union_graph
from ontology import NAMESPACE, ONTOLOGY_IRI, VERSION, ontology_graph, shapes_graph
from ontology.generate_vocab import render
from ontology.vocab import DAI

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
PC = Namespace("http://purl.org/procurement/public-contracts#")
FTM = Namespace("https://schema.followthemoney.tech/#")


def _declared(g: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Datatype)
    return {s for k in kinds for s in g.subjects(RDF.type, k) if str(s).startswith(NAMESPACE)}


def test_ontology_and_shapes_parse_and_are_versioned():
    g = ontology_graph()
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in g
    assert str(g.value(onto, OWL.versionInfo)) == VERSION
    assert str(g.value(onto, OWL.versionIRI)).endswith(VERSION)
    assert len(shapes_graph()) > 50


def test_required_classes_exist():
    declared = _declared(ontology_graph())
    for name in (
        "Organization", "Company", "GovernmentAgency", "Person", "Program", "Product", "Place", "Source",
        "Contract", "Partnership", "Investment", "Competition", "Citation", "MonetaryAmount",
    ):
        assert DAI[name] in declared


def test_every_term_has_english_and_french_label_and_comment():
    g = ontology_graph()
    for term in _declared(g):
        for prop in (RDFS.label, RDFS.comment):
            langs = {lit.language for lit in g.objects(term, prop)}
            assert {"en", "fr"} <= langs, f"{term} lacks {prop} in en/fr"


def test_properties_have_domain_or_range():
    g = ontology_graph()
    for prop in g.subjects(RDF.type, OWL.ObjectProperty):
        assert g.value(prop, RDFS.domain) is not None or g.value(prop, RDFS.range) is not None, prop


def test_alignment_with_standard_vocabularies():
    g = ontology_graph()
    expected = [
        (DAI.Organization, RDFS.subClassOf, ORG.Organization),
        (DAI.Company, RDFS.subClassOf, ORG.FormalOrganization),
        (DAI.Company, RDFS.subClassOf, SCHEMA.Corporation),
        (DAI.Company, RDFS.subClassOf, FTM.Company),
        (DAI.GovernmentAgency, RDFS.subClassOf, SCHEMA.GovernmentOrganization),
        (DAI.GovernmentAgency, RDFS.subClassOf, FTM.PublicBody),
        (DAI.MonetaryAmount, RDFS.subClassOf, SCHEMA.MonetaryAmount),
        (DAI.Contract, RDFS.subClassOf, PC.Contract),
        (DAI.Contract, RDFS.subClassOf, FTM.ContractAward),
        (DAI.awardingAgency, RDFS.subPropertyOf, PC.contractingAuthority),
        (DAI.offers, RDFS.subPropertyOf, PC.numberOfTenders),
        (DAI.value, RDFS.subPropertyOf, PC.agreedPrice),
        (DAI.source, RDFS.subPropertyOf, PROV.wasDerivedFrom),
        (DAI.subOrganizationOf, RDFS.subPropertyOf, ORG.subOrganizationOf),
    ]
    for triple in expected:
        assert triple in g, triple


def test_every_term_used_in_data_is_declared(kg):
    declared = _declared(ontology_graph())
    data = union_graph(kg.dataset)
    used = set()
    for s, p, o in data:
        if str(p).startswith(NAMESPACE):
            used.add(p)
        if p == RDF.type and str(o).startswith(NAMESPACE):
            used.add(o)
    assert used, "the data uses the ontology"
    assert used - declared == set()


def test_vocab_module_matches_ontology():
    from pathlib import Path

    import ontology

    committed = Path(ontology.__file__).with_name("vocab.py").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m ontology.generate_vocab"


def test_rdfs_inference_finds_openai_as_org_organization(curated_copy):
    """owlrl's RDFS closure of the curated graph (the shipped table's 11,000 triples add
    nothing this checks and made the closure take half a minute)."""
    from graph import build

    g = union_graph(build(curated_copy).dataset, with_ontology=True)
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(g)
    orgs = {row[0] for row in g.query("SELECT ?x WHERE { ?x a org:Organization }", initNs={"org": ORG})}
    openai = URIRef("https://w3id.org/defense-ai-graph/id/openai")
    dod = URIRef("https://w3id.org/defense-ai-graph/id/dod")
    assert openai in orgs and dod in orgs
    assert (dod, RDF.type, SCHEMA.GovernmentOrganization) in g
    contract = URIRef("https://w3id.org/defense-ai-graph/fact/openai-dod-2025-prototype-agreement")
    assert (contract, RDF.type, PC.Contract) in g
    assert (contract, PC.contractingAuthority, dod) in g
    assert (contract, PROV.wasDerivedFrom, URIRef("https://w3id.org/defense-ai-graph/source/article-fr")) in g
    cdao = URIRef("https://w3id.org/defense-ai-graph/id/cdao")
    assert (cdao, ORG.subOrganizationOf, dod) in g


def test_the_end_before_start_shape_names_each_fact_at_fault_in_one_query():
    """The interval check targets dai:Fact once (pySHACL parses a SPARQL constraint again for
    every focus node: 123 s for 1,000 imported awards) and names the fact as the value."""
    import pytest
    from rdflib import XSD, Dataset, Literal

    from graph.errors import ValidationError
    from graph.rdf import FACT, SOURCE
    from graph.validate import validate

    ds = Dataset()
    g = ds.graph(SOURCE["x"])
    for name, start, end in (("ok", "2024-01", "2024-01-31"), ("late", "2025-06-01", "2025-05"),
                             ("year", "2025", "2024-12-31")):
        g.add((FACT[name], DAI.startDate, Literal(start, datatype=XSD.date if len(start) == 10 else
                                                  XSD.gYearMonth if len(start) == 7 else XSD.gYear)))
        g.add((FACT[name], DAI.endDate, Literal(end, datatype=XSD.date if len(end) == 10 else XSD.gYearMonth)))
    with pytest.raises(ValidationError, match="end date") as raised:
        validate(ds)
    assert "fact 'late'" in str(raised.value) and "(and 1 more violation(s))" in str(raised.value)
