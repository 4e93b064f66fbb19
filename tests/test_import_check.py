"""kg check: articles against official records, on a generated official file (in the
USAspending Prime Award Summaries layout) describing the June 2025 OpenAI agreement."""

from __future__ import annotations

import json

import pytest

from graph.importers.registry import run_import
from tests.import_helpers import OPENAI_AWARD, write_rows


def _import_openai(data_dir, tmp_path, **changes):
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_openai_1.csv", "award.d1", [dict(OPENAI_AWARD, **changes)])
    return run_import("usaspending", [path], data_dir)[0].source


def test_article_value_against_obligated_amount_is_a_disagreement_with_both_sources(data_copy, tmp_path, run_kg):
    official = _import_openai(data_copy, tmp_path)
    assert run_kg("validate", "--data", data_copy).exit_code == 0  # SHACL passes with the import
    out = run_kg("check", "--json", "--data", data_copy)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    rows = [r for r in report["rows"] if r["contract"] == "openai-dod-2025-prototype-agreement"]
    assert {r["matched_by"] for r in rows} == {"contract number HQ0883-25-9-0012"}

    def row(prop, article_source):
        return next(r for r in rows if r["property"] == prop and article_source in r["article_sources"].split(", "))

    value = row("value / obligatedAmount", "article-fr")
    assert (value["article"], value["official_value"], value["verdict"]) == ("200,000,000 USD", "1,999,998 USD", "disagree")
    assert value["official_sources"] == official
    assert row("obligatedAmount", "techstrong-openai-200m")["verdict"] == "agree"
    assert row("offers", "article-fr")["verdict"] == "agree"
    assert row("contractNumber", "morningoverview-openai-cyber")["verdict"] == "agree"
    contractor = row("contractor", "article-fr")
    assert contractor["verdict"] == "related" and contractor["note"] == "OpenAI Public Sector LLC is part of OpenAI"
    assert row("awardingAgency", "article-fr")["verdict"] == "related"
    assert "cdao-2025-07-openai" in report["unmatched"]  # July award: another date, not matched
    table = run_kg("check", "openai-dod-2025-prototype-agreement", "--data", data_copy).stdout
    assert "200,000,000 USD (article-fr, defensescoop-openai-ota)" in table
    assert f"1,999,998 USD ({official})" in table and "disagree" in table


def test_without_a_contract_number_parties_and_award_date_match(data_copy, tmp_path, run_kg):
    _import_openai(data_copy, tmp_path, award_id_piid="")
    report = json.loads(run_kg("check", "--json", "--data", data_copy).stdout)
    assert ["openai-dod-2025-prototype-agreement", "same parties and award date"] in [
        [m["contract"], m["matched_by"]] for m in report["matches"]]


def test_nothing_imported_means_nothing_matched(run_kg):
    out = run_kg("check", "--csv")
    assert out.exit_code == 0
    assert out.stdout.splitlines() == ["contract,official,matched_by,property,article,article_sources,"
                                       "official_value,official_sources,verdict,note"]
    assert run_kg("check", "no-such-fact").exit_code == 2


@pytest.mark.parametrize("piid", ["HQ0883-25-9-0012", ""])
def test_check_reads_only_the_matching_records_from_a_store_with_the_same_report(data_copy, tmp_path, run_kg, piid):
    """Among 300 other awards in an Oxigraph store, kg check --store finds the OpenAI record
    (by contract number, or by parties and date) and reports exactly what it reports in memory."""
    pytest.importorskip("pyoxigraph")
    from graph.store import writer
    from tests.test_store import _award_file

    spec = f"oxigraph:{tmp_path / 'kg'}"
    with writer(spec, data_dir=data_copy) as store:
        run_import("usaspending", [_award_file(tmp_path, 300)], data_copy, store=store)
        path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_openai_1.csv", "award.d1",
                          [dict(OPENAI_AWARD, award_id_piid=piid)])
        run_import("usaspending", [path], data_copy, store=store)
    in_memory = run_kg("check", "--json", "--data", data_copy)
    from_store = run_kg("check", "--json", "--data", data_copy, "--store", spec)
    assert from_store.exit_code == 0, from_store.output
    assert json.loads(from_store.stdout) == json.loads(in_memory.stdout)
    assert "openai-dod-2025-prototype-agreement" in {m["contract"] for m in json.loads(from_store.stdout)["matches"]}
