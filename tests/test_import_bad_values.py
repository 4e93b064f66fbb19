"""Imports of hostile or broken values (issue 13: F1, F9, F10/F11, F12): a record of the
wrong JSON shape, a control character, a huge field or an absurd amount rejects its row
(with the file, the row and why) or the file (one line, exit 2) — never a traceback, and
never a value that a later `kg build` cannot write."""

from __future__ import annotations

import json

import pytest

from graph.importers.base import MAX_FIELD
from tests.import_helpers import OPENAI_AWARD, write_rows

RELEASE = {"ocid": "ocds-abc-1", "id": "1", "date": "2025-01-01", "buyer": {"name": "Ministry of Defence"},
           "awards": [{"id": "a1", "suppliers": [{"name": "Acme Ltd"}]}]}


def _release(**changes) -> dict:
    return {"releases": [{**RELEASE, **changes}]}


def _award(**changes) -> dict:
    return _release(awards=[{**RELEASE["awards"][0], **changes}])


@pytest.mark.parametrize("doc, reason", [
    (_release(awards=5), "awards: 5 is a number, not an array"),
    (_release(tender="t"), "tender: 't' is a string, not an object"),
    (_release(parties=[{"id": "1", "name": "Acme", "identifier": "GB-123"}]),
     "parties/0/identifier: 'GB-123' is a string, not an object"),
    (_release(buyer=["x"]), "buyer: ['x'] is an array, not an object"),
    (_award(suppliers="Acme"), "awards/a1/suppliers: 'Acme' is a string, not an array"),
    (_award(value="12"), "awards/a1/value: '12' is a string, not an object"),
    (_award(contractPeriod="2025"), "awards/a1/contractPeriod: '2025' is a string, not an object"),
    (_award(title="bad\u0000nul"), "/releases/0/awards/0/title: control character U+0000 at position 4"),
    (_award(title="esc\u001b"), "control character U+001B"),
    (_award(title="non\ufffecharacter"), "control character U+FFFE"),
    (_award(title="x" * (MAX_FIELD + 1)), f"{MAX_FIELD + 1:,} characters, more than the {MAX_FIELD:,}"),
    (_award(value={"amount": "1" + "0" * 29, "currency": "GBP"}), "has more than 28 significant digits"),
])
def test_an_ocds_release_of_the_wrong_shape_or_with_unwritable_text_is_rejected(curated_copy, tmp_path, run_kg, doc,
                                                                                 reason):
    path = tmp_path / "release-package.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run_kg("import", "ocds", path, "--data", curated_copy, "-q")
    assert result.exit_code == 0, result.output
    assert "kg: release-package.json: /releases/0" in result.output and ": rejected: " in result.output
    assert reason in result.output
    assert "Traceback" not in result.output
    assert run_kg("build", "--data", curated_copy, "--out", tmp_path / "out").exit_code == 0


@pytest.mark.parametrize("text, message", [
    ('{"releases": [' + "[" * 100_000 + "]" * 100_000 + "]}", "JSON nested too deeply in /releases/0"),
    ('{"releases": [{"ocid": "x", "awards": [{"value": {"amount": ' + "9" * 5000 + "}}]}]}",
     "malformed JSON in /releases/0: Exceeds the limit (4300 digits) for integer string conversion"),
])
def test_json_nested_too_deeply_or_with_a_5000_digit_number_is_one_line(curated_copy, tmp_path, run_kg, text, message):
    path = tmp_path / "release-package.json"
    path.write_text(text, encoding="utf-8")
    result = run_kg("import", "ocds", path, "--data", curated_copy, "-q")
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"kg: error: {path}:1: ") and message in line


@pytest.mark.parametrize("entity", [
    {"claims": [1]}, {"claims": {"P31": "x"}}, {"claims": {"P31": [1, None, {"mainsnak": 5}]}},
    {"sitelinks": [1]}, {"labels": "x", "aliases": 5},
])
def test_a_wikidata_entity_of_unexpected_shape_is_skipped_not_a_traceback(curated_copy, tmp_path, run_kg, entity):
    path = tmp_path / "Q1.json"
    doc = {"entities": {"Q1": {"id": "Q1", "type": "item", "labels": {"en": {"language": "en", "value": "X"}}, **entity}}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run_kg("import", "wikidata", path, "--data", curated_copy, "-q")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "Q1.json: /entities/Q1: skipped: Q1" in result.output


@pytest.mark.parametrize("column, value, reason", [
    ("recipient_name", "OPENAI\u0000 PUBLIC SECTOR", "recipient_name: control character U+0000 at position 7"),
    ("prime_award_base_transaction_description", "x" * (MAX_FIELD + 1), "more than the 100,000 a field may have"),
    ("total_obligated_amount", "1" + "0" * 29, "total_obligated_amount: '1" + "0" * 29 + "' has more than 28"),
])
def test_a_csv_row_with_unwritable_text_or_an_absurd_amount_is_rejected(curated_copy, tmp_path, run_kg, column, value,
                                                                         reason):
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_z_1.csv", "award.d1",
                      [{**OPENAI_AWARD, column: value}])
    result = run_kg("import", "usaspending", path, "--data", curated_copy, "-q")
    assert result.exit_code == 0, result.output
    assert "Contracts_PrimeAwardSummaries_z_1.csv: row 2: rejected: " in result.output and reason in result.output
    assert run_kg("build", "--data", curated_copy, "--out", tmp_path / "out").exit_code == 0


@pytest.mark.parametrize("column, value", [("total_obligated_amount", "12,3x"), ("award_base_action_date", "2025-02-30")])
def test_a_rejected_row_writes_nothing_not_even_its_agencies(curated_copy, tmp_path, column, value):
    from graph.importers.registry import run_import
    from tests.import_helpers import output_dataset

    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_r_1.csv", "award.d1", [{**OPENAI_AWARD, column: value}])
    (result,) = run_import("usaspending", [path], curated_copy)
    assert result.rejected == 1
    ds = output_dataset(result)
    source = {g for _s, _p, _o, g in ds.quads((None, None, None, None))}
    (g,) = source
    assert {s for s, _p, _o, _g in ds.quads((None, None, None, None))} == {g}  # only the source's description
