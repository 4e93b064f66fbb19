"""kg import wikidata, on real entity JSON (tests/data/wikidata, see its README)."""

from __future__ import annotations

import json

import pytest
from rdflib import OWL, RDFS, SKOS, Literal, URIRef

from graph.errors import DataError
from graph.importers.registry import run_import
from tests.import_helpers import DATA, ent, one, output_dataset, values

WIKI = DATA / "wikidata"


def test_items_that_are_not_actors_are_skipped_and_reported(tmp_path):
    for path in sorted(WIKI.glob("*.json")):
        (result,) = run_import("wikidata", [path], tmp_path / "data")
        assert (result.rows, result.records, result.skipped) == (1, 0, 1)
        assert "is not linked" in result.problems_shown[0].reason


def _as_openai(tmp_path, wrap=True):
    """The real Q571 entity JSON re-identified as OpenAI's item: tests the enrichment of a
    curated entity with every language (the labels are those of 'book', not OpenAI's)."""
    entity = json.loads((WIKI / "Q571.json").read_text())
    entity["id"] = "Q21708200"
    path = tmp_path / "Q21708200.json"
    path.write_text(json.dumps({"entities": {"Q21708200": entity}} if wrap else entity))
    return entity, path


def test_a_curated_entity_gets_labels_aliases_descriptions_identifiers_in_every_language(data_copy, tmp_path):
    entity, path = _as_openai(tmp_path)
    (result,) = run_import("wikidata", [path], data_copy)
    assert (result.records, result.merged_actors) == (1, 1)
    ds = output_dataset(result)
    openai = ent("openai")
    labels = {(o.language, str(o)) for _s, _p, o, _g in ds.quads((openai, RDFS.label, None, None))}
    expected = {(lang, v["value"]) for lang, v in entity["labels"].items() if lang not in ("en", "fr")}
    assert labels == expected  # the curated en / fr labels are not overridden ...
    alt = {(o.language, str(o)) for _s, _p, o, _g in ds.quads((openai, SKOS.altLabel, None, None))}
    assert ("en", entity["labels"]["en"]["value"]) in alt  # ... the Wikidata ones become aliases
    assert {("pl", a["value"]) for a in entity["aliases"]["pl"]} <= alt
    assert len(values(ds, openai, "description")) == len(set(entity["descriptions"]) - {"en", "fr"})
    ids = {str(v) for v in values(ds, openai, "identifier")}
    assert "P227:4008570-3" in ids
    assert sum(len(v) for p, v in entity["claims"].items() if v[0]["mainsnak"]["datatype"] == "external-id") == len(ids)
    assert any(ds.quads((openai, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q21708200"), None)))
    assert any(ds.quads((openai, SKOS.exactMatch, URIRef("http://schema.org/Book"), None)))
    assert str(one(ds, openai, "matchRule")) == "identifier: wikidata:Q21708200 = openai"
    from graph import build

    kg = build(data_copy)
    node = kg.actors.nodes["openai"]
    assert node["label"] == "OpenAI" and node["label_fr"] == "OpenAI"
    assert entity["labels"]["pl"]["value"] not in node["aliases"]  # a label (pl), not an alias
    assert Literal(entity["labels"]["pl"]["value"], lang="pl") in {
        o for _s, _p, o, _g in kg.dataset.quads((openai, RDFS.label, None, None))}


def test_bare_entity_and_errors(tmp_path, data_copy):
    _entity, path = _as_openai(tmp_path, wrap=False)
    assert run_import("wikidata", [path], data_copy)[0].records == 1
    bad = tmp_path / "x.json"
    bad.write_text('{"foo": 1}')
    with pytest.raises(DataError, match="not Wikidata entity JSON"):
        run_import("wikidata", [bad], data_copy)
    cut = tmp_path / "cut.json"
    cut.write_text((WIKI / "Q571.json").read_text()[:3000])
    with pytest.raises(DataError, match="truncated JSON"):
        run_import("wikidata", [cut], data_copy)
