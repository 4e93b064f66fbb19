"""kg import usaspending, on the real sample files (tests/data/usaspending, see its README):
expected values are computed here from the rows themselves."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from decimal import Decimal

import pytest
from rdflib import Literal

from graph.errors import DataError
from graph.importers.base import slugify
from graph.importers.registry import run_import
from ontology.vocab import DAI
from tests.import_helpers import (
    OPENAI_AWARD, SUBAWARDS, TRANSACTIONS, USA, amount, ent, fact, facts_of_type, one, output_dataset, read_rows,
    values, write_rows,
)


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return d


def _award_fact(path):
    return fact("usaspending-" + slugify(read_rows(path)[0]["contract_award_unique_key"]))


@pytest.mark.parametrize("path", TRANSACTIONS, ids=lambda p: p.parent.name)
def test_transactions_sum_obligations_and_never_sum_current_values(path, data):
    rows = read_rows(path)
    (result,) = run_import("usaspending", [path], data)
    ds = output_dataset(result)
    f = _award_fact(path)
    total = sum(Decimal(r["federal_action_obligation"]) for r in rows)
    assert amount(ds, f, "obligatedAmount") == total
    assert one(ds, f, "transactionCount").toPython() == len(rows)
    (base,) = [r for r in rows if r["modification_number"] == "0"]
    assert amount(ds, f, "obligatedAtAward") == Decimal(base["federal_action_obligation"])
    assert str(one(ds, f, "date")) == base["action_date"]
    latest = max(rows, key=lambda r: (r["action_date"], r["last_modified_date"]))
    assert amount(ds, f, "currentValue") == Decimal(latest["current_total_value_of_award"])
    assert amount(ds, f, "currentValue") != sum(Decimal(r["current_total_value_of_award"]) for r in rows)
    assert amount(ds, f, "potentialValue") == Decimal(latest["potential_total_value_of_award"])
    assert str(one(ds, f, "contractNumber")) == rows[0]["award_id_piid"]
    assert {str(v) for v in values(ds, f, "parentAward")} == {r["parent_award_id_piid"] for r in rows} - {""}
    assert one(ds, f, "offers").toPython() == int(latest["number_of_offers_received"])
    assert str(one(ds, f, "naicsCode")) == latest["naics_code"]
    assert str(one(ds, f, "pscCode")) == latest["product_or_service_code"]
    assert str(one(ds, f, "extentCompeted")) == latest["extent_competed"]
    assert one(ds, f, "contractor") == ent("uei-" + rows[0]["recipient_uei"].lower())
    assert (result.rows, result.records, result.rejected) == (len(rows), 1, 0)


def test_parent_company_is_a_subsidiary_unless_it_is_the_recipient(data):
    for path in TRANSACTIONS:
        rows = read_rows(path)
        (result,) = run_import("usaspending", [path], data)
        ds = output_dataset(result)
        child, parent = rows[0]["recipient_uei"], rows[0]["recipient_parent_uei"]
        links = facts_of_type(ds, "Subsidiary")
        if child == parent:
            assert links == set()
        else:
            (link,) = links
            assert one(ds, link, "child") == ent("uei-" + child.lower())
            assert one(ds, link, "parent") == ent("uei-" + parent.lower())
            assert any(ds.quads((ent("uei-" + child.lower()), DAI.subOrganizationOf, ent("uei-" + parent.lower()), None)))


def test_recipient_label_aliases_and_cage_code(data):
    path = TRANSACTIONS[1]  # MANAGEMENT SCIENCES FOR HEALTH: parent raw name differs
    row = read_rows(path)[0]
    ds = output_dataset(run_import("usaspending", [path], data)[0])
    recipient = ent("uei-" + row["recipient_uei"].lower())
    from rdflib import RDFS, SKOS

    assert {str(v) for _s, _p, v, _g in ds.quads((recipient, RDFS.label, None, None))} == {row["recipient_name"]}
    assert str(one(ds, recipient, "cageCode")) == row["cage_code"]
    parent = ent("uei-" + row["recipient_parent_uei"].lower())
    assert Literal(row["recipient_parent_name_raw"], lang="en") in {
        o for _s, _p, o, _g in ds.quads((parent, SKOS.altLabel, None, None))}


def test_awarding_office_is_a_unit_of_its_agency(data):
    path = TRANSACTIONS[0]
    row = read_rows(path)[0]
    ds = output_dataset(run_import("usaspending", [path], data)[0])
    office = ent("us-office-" + row["awarding_office_code"].lower())
    assert one(ds, _award_fact(path), "awardingAgency") == office
    (unit,) = [f for f in facts_of_type(ds, "SubUnit") if one(ds, f, "child") == office]
    agency = one(ds, unit, "parent")
    assert row["awarding_sub_agency_name"] == row["awarding_agency_name"]  # collapsed into one node
    from rdflib import RDFS

    assert {str(o) for _s, _p, o, _g in ds.quads((agency, RDFS.label, None, None))} == {row["awarding_agency_name"]}
    latest = max(read_rows(path), key=lambda r: (r["action_date"], r["last_modified_date"]))
    assert one(ds, _award_fact(path), "fundingAgency") == ent("us-office-" + latest["funding_office_code"].lower())


def test_subawards_link_the_prime_recipient_to_the_sub_recipient(data):
    path = SUBAWARDS[0]
    (row,) = read_rows(path)
    (result,) = run_import("usaspending", [path], data)
    ds = output_dataset(result)
    (sub,) = facts_of_type(ds, "Subaward")
    assert one(ds, sub, "primeRecipient") == ent("uei-" + row["prime_awardee_uei"].lower())
    assert one(ds, sub, "subRecipient") == ent("uei-" + row["subawardee_uei"].lower())
    assert one(ds, sub, "primeAward") == fact("usaspending-" + slugify(row["prime_award_unique_key"]))
    assert amount(ds, sub, "value") == Decimal(row["subaward_amount"])
    assert str(one(ds, one(ds, sub, "primeAward"), "contractNumber")) == row["prime_award_piid"]
    empty = run_import("usaspending", [SUBAWARDS[1]], data)[0]
    assert (empty.rows, empty.records, empty.rejected) == (0, 0, 0)


def test_api_award_and_spending_by_award(data):
    import json

    doc = json.loads((USA / "api" / "awards__contract.json").read_text())
    ds = output_dataset(run_import("usaspending", [USA / "api" / "awards__contract.json"], data)[0])
    f = fact("usaspending-" + slugify(doc["generated_unique_award_id"]))
    assert str(one(ds, f, "contractNumber")) == doc["piid"]
    assert amount(ds, f, "obligatedAmount") == Decimal(str(doc["total_obligation"]))
    assert amount(ds, f, "potentialValue") == Decimal(str(doc["base_and_all_options"]))
    assert one(ds, f, "offers").toPython() == int(doc["latest_transaction_contract_data"]["number_of_offers_received"])
    path = USA / "api" / "awards__search_results_contracts.json"
    results = json.loads(path.read_text())["results"]
    (result,) = run_import("usaspending", [path], data)
    ids = [r["generated_internal_id"] for r in results]
    assert result.records == len(set(ids))
    # the sample lists one award twice: the second listing is reported, not silently dropped
    assert result.skipped == len(ids) - len(set(ids)) == 1
    assert "listed again" in result.problems_shown[0].reason
    with pytest.raises(DataError, match="recipients, not awards"):
        run_import("usaspending", [USA / "api" / "recipients_search.json"], data)


def test_provenance_file_hash_row_and_quote(data):
    path = TRANSACTIONS[0]
    rows = read_rows(path)
    (result,) = run_import("usaspending", [path], data)
    ds = output_dataset(result)
    src = next(iter(values(ds, _award_fact(path), "source")))
    assert str(one(ds, src, "title")) == path.name
    assert str(one(ds, src, "sha256sum")) == hashlib.sha256(path.read_bytes()).hexdigest()  # bare hex: exact-match queryable
    assert str(one(ds, src, "publisher")) == "USAspending.gov"
    assert str(one(ds, src, "datasetName")) == "USAspending Contracts Prime Transactions"
    assert str(one(ds, src, "sourceKind")) == "dataset"
    citation = one(ds, _award_fact(path), "citation")
    assert str(one(ds, citation, "locator")) == f"{len(rows)} rows, row 2 to row {len(rows) + 1}"
    assert f"contract_award_unique_key={rows[0]['contract_award_unique_key']}" in str(one(ds, citation, "quote"))


def test_reimport_is_idempotent_and_a_newer_version_replaces_the_old_facts(data, tmp_path):
    path = tmp_path / TRANSACTIONS[0].name
    shutil.copy(TRANSACTIONS[0], path)
    first = run_import("usaspending", [path], data)[0]
    before = first.output.read_bytes()
    again = run_import("usaspending", [path], data)[0]
    assert again.changed is False and again.output.read_bytes() == before
    rows = read_rows(path)
    rows[0]["federal_action_obligation"] = str(Decimal(rows[0]["federal_action_obligation"]) + 1000)
    write_rows(path, "transaction_search.d1", rows)
    newer = run_import("usaspending", [path], data)[0]
    assert newer.changed and newer.output == first.output
    ds = output_dataset(newer)
    assert amount(ds, _award_fact(path), "obligatedAmount") == sum(Decimal(r["federal_action_obligation"]) for r in rows)
    assert len(list((data / "imported" / "usaspending").glob("*.nq.gz"))) == 1


def test_split_download_parts_are_one_source(data, tmp_path):
    rows = read_rows(TRANSACTIONS[0])
    p1 = write_rows(tmp_path / "Contracts_PrimeTransactions_test_1.csv", "transaction_search.d1", rows[:7])
    p2 = write_rows(tmp_path / "Contracts_PrimeTransactions_test_2.csv", "transaction_search.d1", rows[7:])
    (result,) = run_import("usaspending", [p2, p1], data)
    ds = output_dataset(result)
    f = _award_fact(TRANSACTIONS[0])
    assert amount(ds, f, "obligatedAmount") == sum(Decimal(r["federal_action_obligation"]) for r in rows)
    assert result.output.name == "Contracts_PrimeTransactions_test.nq.gz"
    assert len(values(ds, next(iter(values(ds, f, "source"))), "sha256sum")) == 2
    assert "Contracts_PrimeTransactions_test_2.csv row" in str(one(ds, one(ds, f, "citation"), "locator"))


def test_truncated_file_is_an_error_and_keeps_the_previous_output(data, tmp_path):
    path = tmp_path / TRANSACTIONS[0].name
    shutil.copy(TRANSACTIONS[0], path)
    good = run_import("usaspending", [path], data)[0].output.read_bytes()
    text = path.read_bytes()
    path.write_bytes(text[: len(text) - 300])
    with pytest.raises(DataError, match=r"truncated: the last row has \d+ of 297 fields") as err:
        run_import("usaspending", [path], data)
    assert err.value.line == len(read_rows(TRANSACTIONS[0])) + 1
    assert (data / "imported" / "usaspending" / "Contract_7200AA23M00003_TransactionHistory.nq.gz").read_bytes() == good


def test_wrong_header_names_what_is_missing(data, tmp_path):
    rows = read_rows(TRANSACTIONS[0])
    path = tmp_path / "no-obligation.csv"
    cols = [c for c in rows[0] if c != "federal_action_obligation"]
    import csv

    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(DataError, match="missing column.s. federal_action_obligation: expected a USAspending "
                                        "Contracts Prime Transactions file .297 columns."):
        run_import("usaspending", [path], data)
    other = tmp_path / "other.csv"
    other.write_text("name,amount\nACME,12\n")
    with pytest.raises(DataError, match="not a USAspending contract download"):
        run_import("usaspending", [other], data)
    assert not (data / "imported" / "usaspending" / "other.nq.gz").exists()


def test_bad_number_rejects_the_row_with_file_row_and_reason(data, tmp_path):
    good = dict(OPENAI_AWARD)
    bad = dict(OPENAI_AWARD, contract_award_unique_key="CONT_AWD_X_9700_-NONE-_-NONE-", total_obligated_amount="12,3x")
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_bad_1.csv", "award.d1", [good, bad])
    (result,) = run_import("usaspending", [path], data)
    assert (result.rows, result.records, result.rejected) == (2, 1, 1)
    (problem,) = result.problems_shown
    assert (problem.file, problem.row, problem.action) == (path.name, "row 3", "rejected")
    assert problem.reason == "total_obligated_amount: '12,3x' is not a number"
    import csv

    with open(result.rejects_file, newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines == [["file", "row", "action", "column", "value", "reason"],
                     [path.name, "row 3", "rejected", "total_obligated_amount", "12,3x",
                      "total_obligated_amount: '12,3x' is not a number"]]
    # in a transaction file, a rejected row leaves its award's sum incomplete: the award is skipped
    rows = read_rows(TRANSACTIONS[1])
    rows[2]["federal_action_obligation"] = "n/a"
    tpath = write_rows(tmp_path / "tx_1.csv", "transaction_search.d1", rows)
    (tx,) = run_import("usaspending", [tpath], data)
    assert (tx.rejected, tx.skipped, tx.records) == (1, 1, 0)
    assert "sum of its obligations would be incomplete" in tx.problems_shown[1].reason
    with pytest.raises(DataError, match="rejected, nothing written"):
        run_import("usaspending", [tpath], data, strict=True)


def test_personal_data_is_not_copied(data, tmp_path):
    rows = read_rows(TRANSACTIONS[1])
    rows[0]["prime_award_base_transaction_description"] = "CONTACT JANE.DOE@USAID.GOV FOR DETAILS"
    path = write_rows(tmp_path / "tx_1.csv", "transaction_search.d1", rows)
    text = gzip.decompress(run_import("usaspending", [path], data)[0].output.read_bytes()).decode("utf-8")
    assert "@USAID.GOV" not in text and "[e-mail removed]" in text
    assert rows[0]["recipient_phone_number"] not in text and rows[0]["recipient_fax_number"] not in text


def test_cli_import_prints_a_summary_and_errors_on_one_line(data, run_kg, tmp_path):
    result = run_kg("import", "usaspending", *TRANSACTIONS, "--data", data)
    assert result.exit_code == 0, result.output
    assert "16 rows read, 1 records" in result.stderr and "rows/s" in result.stderr
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n")
    bad = run_kg("import", "usaspending", other, "--data", data)
    assert bad.exit_code == 2
    assert bad.stderr.strip().splitlines()[-1].startswith(f"kg: error: {other}:1: not a USAspending contract download")
    assert run_kg("import", "nosuch", other, "--data", data).exit_code == 1


def test_imported_samples_build_and_join_the_views(data_copy):
    from graph import build

    run_import("usaspending", [*TRANSACTIONS, *SUBAWARDS, USA / "api" / "awards__contract.json"], data_copy)
    kg = build(data_copy)  # SHACL passes with the imported graphs
    row = read_rows(TRANSACTIONS[0])[0]
    office, recipient = "us-office-" + row["awarding_office_code"].lower(), "uei-" + row["recipient_uei"].lower()
    (edge,) = [d for u, v, d in kg.actors.edges(data=True) if (u, v) == (office, recipient)]
    assert edge["relation"] == "Contract" and edge["citations"][0]["source"].startswith("usaspending-")
    assert kg.actors.has_edge("dod", "openai")  # curated facts are still there
