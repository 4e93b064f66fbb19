"""Official records that stay true: the importer defects found on real files, each
reproduced with a small file built here (issue 12).

- a sub-recipient is never merged into the prime through a DBA name that is the prime's;
- a name match never gives a curated actor a second UEI: that is a conflict, reported;
- a file of another layout is refused, and never replaces a good source;
- bytes that are not UTF-8 are refused with the line and byte (or decoded as --encoding says);
- a shrunken or cut file does not replace the version it would shrink (unless --replace);
- award-level values cite the row they were taken from, and the rule;
- award keys, file digests, labels and HTML entities are what a user can query.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from rdflib import RDFS, SKOS, Literal

from graph.errors import DataError
from graph.importers.registry import run_import
from ontology.vocab import DAI
from tests.import_helpers import BASE, OPENAI_AWARD, ent, fact, one, output_dataset, values, write_rows

PALANTIR = "PALANTIR TECHNOLOGIES INC."  # the curated 'Palantir Technologies', by name


def _sub_row(i: int, **extra) -> dict:
    """A Sub-awards row: Palantir's prime award, a sub-award to sub-recipient ``i``, with the
    prime's name in the sub-recipient's DBA column, as real downloads very often have it."""
    return {
        "prime_award_unique_key": "CONT_AWD_W56KGU25C0001_9700_-NONE-_-NONE-", "prime_award_piid": "W56KGU25C0001",
        "prime_awardee_uei": "TESTPALANTR1", "prime_awardee_name": PALANTIR,
        "prime_award_awarding_agency_code": "097", "prime_award_awarding_agency_name": "Department of Defense",
        "subaward_number": f"SUB-{i}", "subaward_amount": f"{i}00000.00", "subaward_action_date": "2025-03-0" + str(i),
        "subawardee_uei": f"TESTSUBREC0{i}", "subawardee_name": f"SUBCONTRACTOR NUMBER {i} LLC",
        "subawardee_dba_name": "Palantir Technologies Inc", "subaward_sam_report_id": f"SAM-{i}", **extra,
    }


def _summary_row(key: str, uei: str, name: str, **extra) -> dict:
    return {**OPENAI_AWARD, "contract_award_unique_key": key, "award_id_piid": key[9:22], "recipient_uei": uei,
            "recipient_name": name, "recipient_name_raw": name, "recipient_parent_uei": "", "recipient_parent_name": "",
            **extra}


def _quads(ds, s=None, p=None, o=None):
    return list(ds.quads((s, p, o, None)))


# --------------------------------------------------------------------------- 1. merges


def test_a_dba_name_that_is_the_primes_does_not_merge_sub_recipients_into_the_prime(data_copy, tmp_path, run_kg):
    path = write_rows(tmp_path / "Contract_W56KGU25C0001_Sub-Awards_1.csv", "subaward_search.d1",
                      [_sub_row(i, subawardee_parent_uei="TESTLOCKHEED" if i == 1 else "",
                                subawardee_parent_name="LOCKHEED MARTIN CORP" if i == 1 else "") for i in (1, 2, 3, 4)])
    (result,) = run_import("usaspending", [path], data_copy)
    ds = output_dataset(result)
    palantir = ent("palantir")
    assert {str(u) for u in values(ds, palantir, "uei")} == {"TESTPALANTR1"}  # the prime's UEI, and only it
    subs = {one(ds, f, "subRecipient") for f in {s for s, _, _, _ in _quads(ds, None, DAI.subRecipient)}}
    assert subs == {ent(f"uei-testsubrec0{i}") for i in (1, 2, 3, 4)}
    for sub in subs:  # the prime's name is not a name of theirs
        assert not [o for _, _, o, _ in _quads(ds, sub, SKOS.altLabel) if "alantir" in str(o)]
    assert not _quads(ds, palantir, DAI.subOrganizationOf)  # no false subsidiary link from a sub's parent
    assert _quads(ds, ent("uei-testsubrec01"), DAI.subOrganizationOf, ent("uei-testlockheed"))

    assert run_kg("import", "usaspending", path, "--data", data_copy, "-q").exit_code == 0
    out = run_kg("resolve", "--report", "--wide", "--data", data_copy).output
    assert [line for line in out.splitlines() if "->  palantir " in line and "linked" in line] == [
        next(line for line in out.splitlines() if "TESTPALANTR1" in line)]


def test_a_name_match_never_gives_a_curated_actor_a_second_uei(data_copy, tmp_path, run_kg):
    first = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_a_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-", "TESTPALANTR1", PALANTIR),
        _summary_row("CONT_AWD_TESTAWARD0002_9700_-NONE-_-NONE-", "TESTOTHERPT1", "Palantir Technologies"),
    ])
    result = run_kg("import", "usaspending", first, "--data", data_copy, "-q")
    assert result.exit_code == 0, result.output
    assert "1 name matches refused" in result.output
    ds = output_dataset(run_import("usaspending", [first], data_copy)[0])
    assert {str(u) for u in values(ds, ent("palantir"), "uei")} == {"TESTPALANTR1"}
    assert one(ds, fact("usaspending-cont-awd-testaward0002-9700-none-none"), "contractor") == ent("uei-testotherpt1")

    # and across sources: another file, a third UEI under the same name
    second = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_b_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0003_9700_-NONE-_-NONE-", "TESTTHIRDPT1", "PALANTIR TECHNOLOGIES, INC")])
    assert run_kg("import", "usaspending", second, "--data", data_copy, "-q").exit_code == 0
    out = run_kg("resolve", "--report", "--wide", "--data", data_copy).output
    conflicts = [line for line in out.splitlines() if line[7:].startswith("conflict")]
    assert len(conflicts) == 2 and all("->  palantir " in line for line in conflicts), out
    assert "palantir has uei:TESTPALANTR1 and this one uei:TESTTHIRDPT1" in out
    assert out.rstrip().endswith("2 conflict(s)")
    assert "conflict" in run_kg("resolve", "--report", "--csv", "--data", data_copy).output


def test_a_confirmed_decision_still_links_a_second_uei(data_copy, tmp_path):
    (data_copy / "resolutions.csv").write_text(
        "key,decision,entity,confirmed_by,note\nuei:TESTOTHERPT1,same,palantir,analyst,a second registration\n")
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_c_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-", "TESTPALANTR1", PALANTIR),
        _summary_row("CONT_AWD_TESTAWARD0002_9700_-NONE-_-NONE-", "TESTOTHERPT1", "Palantir Technologies"),
    ])
    ds = output_dataset(run_import("usaspending", [path], data_copy)[0])
    assert {str(u) for u in values(ds, ent("palantir"), "uei")} == {"TESTPALANTR1", "TESTOTHERPT1"}


def test_resolve_report_says_why_it_lists_nothing(data_copy, tmp_path, run_kg):
    import shutil

    shutil.rmtree(data_copy / "imported", ignore_errors=True)  # the curated facts alone
    out = run_kg("resolve", "--report", "--wide", "--data", data_copy).output
    assert "nothing is imported yet" in out
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_d_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-", "TESTQWERTY01", "QWERTYUIOP ZXCVB LLC",
                     awarding_office_name="", awarding_sub_agency_name="", awarding_agency_name="Zyxwv Vutsr Agency")])
    assert run_kg("import", "usaspending", path, "--data", data_copy, "-q").exit_code == 0
    out = run_kg("resolve", "--report", "--wide", "--data", data_copy).output
    assert "imported organisation(s), none linked to a curated actor" in out and "--min-score" in out


# --------------------------------------------------------------------------- 2. layouts


def _good_summary(tmp_path, name="Contracts_PrimeAwardSummaries_x_1.csv", n=3):
    return write_rows(tmp_path / name, "award.d1", [
        _summary_row(f"CONT_AWD_TESTAWARD000{i}_9700_-NONE-_-NONE-", f"TESTRECIPNT{i}", f"RECIPIENT NUMBER {i} LLC")
        for i in range(1, n + 1)])


@pytest.mark.parametrize("kind, doc, message", [
    ("usaspending", {"category": "awarding_agency", "results": [{"amount": 12.5, "name": "DoD", "code": "097", "id": 1}]},
     "not a spending_by_award response: its results are not awards (the first has the keys amount, name, code, id"),
    ("usaspending", {"results": [{"internal_id": 1, "Award ID": "X", "Mod": "0", "Transaction Amount": 5}]},
     "not a spending_by_award response"),
    ("ocds", [{"statementID": "1", "statementType": "entityStatement", "name": "Acme"}],
     "Beneficial Ownership Data Standard (BODS) statements, not OCDS releases"),
    ("ocds", {"releases": [{"id": "1", "date": "2025-01-01"}]},
     "not an OCDS release or record package: its first release (/releases/0) has no ocid"),
])
def test_a_file_of_another_layout_is_refused_and_the_good_source_stays(data_copy, tmp_path, run_kg, kind, doc, message):
    name = "download.json"
    good = tmp_path / "good" / name
    good.parent.mkdir()
    if kind == "usaspending":
        good.write_text(json.dumps({"results": [{
            "internal_id": 1, "generated_internal_id": "CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-", "Award ID": "W1",
            "Recipient Name": "RECIPIENT NUMBER 1 LLC", "Award Amount": 10.0, "Awarding Agency": "Department of Defense"}]}))
    else:
        good.write_text(json.dumps({"releases": [{"ocid": "ocds-abc-1", "id": "1", "date": "2025-01-01", "awards": [{
            "id": "a1", "suppliers": [{"name": "Acme Ltd"}]}], "buyer": {"name": "Ministry of Defence"}}]}))
    assert run_kg("import", kind, good, "--data", data_copy, "-q").exit_code == 0
    out = data_copy / "imported" / kind / "download.nq.gz"
    before = out.read_bytes()
    bad = tmp_path / "bad" / name
    bad.parent.mkdir()
    bad.write_text(json.dumps(doc))
    result = run_kg("import", kind, bad, "--data", data_copy, "-q")
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert message in line and str(bad) in line
    assert out.read_bytes() == before


# --------------------------------------------------------------------------- 3. encodings


def test_bytes_that_are_not_utf8_are_refused_with_their_line(data_copy, tmp_path, run_kg):
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_e_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-", "TESTRECIPNT1", "RECIPIENT ONE LLC"),
        _summary_row("CONT_AWD_TESTAWARD0002_9700_-NONE-_-NONE-", "TESTRECIPNT2", "SOCIÉTÉ GÉNÉRALE SA",
                     prime_award_base_transaction_description="ÉTUDE — « DÉFENSE »")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))  # a copy saved by a spreadsheet
    result = run_kg("import", "usaspending", path, "--data", data_copy, "-q")
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert f"{path}:3: not utf-8 text: byte 0xC9 at column" in line and "--encoding cp1252" in line
    assert not list((data_copy / "imported").glob("usaspending/*.nq*"))  # nothing written

    (done,) = run_import("usaspending", [path], data_copy, encoding="cp1252")
    ds = output_dataset(done)
    recipient = ent("uei-testrecipnt2")
    assert Literal("SOCIÉTÉ GÉNÉRALE SA", lang="en") in {o for _, _, o, _ in _quads(ds, recipient, RDFS.label)}
    f = fact("usaspending-cont-awd-testaward0002-9700-none-none")
    (citation,) = values(ds, f, "citation")
    assert "recipient_name=SOCIÉTÉ GÉNÉRALE SA" in str(one(ds, citation, "quote"))
    assert "« DÉFENSE »" in str(one(ds, citation, "quote"))
    assert str(one(ds, next(iter(values(ds, f, "source"))), "characterEncoding")) == "cp1252"


def test_a_json_file_that_is_not_utf8_is_refused_too(data_copy, tmp_path):
    path = tmp_path / "release-package.json"
    path.write_bytes('{"releases": [{"ocid": "ocds-abc-1", "id": "1", "buyer": {"name": "Ministère"}}]}'.encode("latin-1"))
    with pytest.raises(DataError, match=r"release-package.json:1: not utf-8 text: byte 0xE8"):
        run_import("ocds", [path], data_copy)
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        run_import("ocds", [path], data_copy, encoding="klingon")


# --------------------------------------------------------------------------- 4. shrinking


def test_a_version_with_fewer_records_or_rows_does_not_replace_the_old_one(data_copy, tmp_path, run_kg):
    path = _good_summary(tmp_path, n=3)
    assert run_kg("import", "usaspending", path, "--data", data_copy, "-q").exit_code == 0
    out = data_copy / "imported" / "usaspending" / "Contracts_PrimeAwardSummaries_x.nq.gz"
    before = out.read_bytes()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for cut in (lines[:1], lines[:3]):  # header only; cut exactly at a row boundary
        path.write_text("".join(cut), encoding="utf-8")
        result = run_kg("import", "usaspending", path, "--data", data_copy, "-q")
        assert result.exit_code == 2, result.output
        (line,) = result.output.strip().splitlines()
        assert f"this version has {len(cut) - 1} records ({len(cut) - 1} rows), the one it would replace" in line
        assert "has 3 records (3 rows)" in line and "--replace" in line
        assert out.read_bytes() == before
    stats = run_kg("stats", "--data", data_copy, "-f", "json").output
    assert run_kg("import", "usaspending", path, "--data", data_copy, "-q", "--replace").exit_code == 0
    assert out.read_bytes() != before and run_kg("stats", "--data", data_copy, "-f", "json").output != stats


def test_a_last_row_with_the_wrong_field_count_is_a_truncation(data_copy, tmp_path):
    path = _good_summary(tmp_path, n=3)
    rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # cut after a newline inside a quoted multi-line field: the last row is short, the file ends with "\n"
    last = rows[3]
    cut = last[: last.index("PROTOTYPE")] + '"first line of a long description\n'
    path.write_text("".join(rows[:3]) + cut, encoding="utf-8")
    with pytest.raises(DataError, match=r":4: truncated: the last row has \d+ of \d+ fields; the file is incomplete"):
        run_import("usaspending", [path], data_copy)
    assert not list((data_copy / "imported").glob("usaspending/*.nq*"))


# --------------------------------------------------------------------------- 5. award-level values


def test_award_level_values_cite_the_row_they_come_from_and_the_rule(data_copy, tmp_path):
    base = {**OPENAI_AWARD, "contract_transaction_unique_key": "", "federal_action_obligation": "1000000.00"}
    rows = [
        {**base, "modification_number": "0", "action_date": "2017-01-10", "last_modified_date": "2017-01-11",
         "current_total_value_of_award": "53000000.00", "potential_total_value_of_award": "60000000.00"},
        {**base, "modification_number": "P00002", "action_date": "2017-06-01", "last_modified_date": "2025-03-04",
         "current_total_value_of_award": "55910000.00", "potential_total_value_of_award": "60000000.00"},
        {**base, "modification_number": "P00001", "action_date": "2017-03-01", "last_modified_date": "2017-03-02",
         "current_total_value_of_award": "54000000.00", "potential_total_value_of_award": "60000000.00"},
    ]
    for i, r in enumerate(rows):
        r["contract_transaction_unique_key"] = f"T{i}"
    path = write_rows(tmp_path / "Contract_HQ08832590012_TransactionHistory_1.csv", "transaction_search.d1", rows)
    ds = output_dataset(run_import("usaspending", [path], data_copy)[0])
    f = fact("usaspending-cont-awd-hq08832590012-9700-none-none")
    (citation,) = values(ds, f, "citation")
    quote, inference = str(one(ds, citation, "quote")), str(one(ds, citation, "inference"))
    assert "latest row (row 3): " in quote and "current_total_value_of_award=55910000.00" in quote
    assert "award-level values of the latest row (row 3)" in inference
    assert "greatest action_date, then last_modified_date, then row number" in inference
    assert "The rows disagree: current_total_value_of_award from 53,000,000.00 to 55,910,000.00" in inference
    assert "potential_total" not in inference.split("disagree")[1]


# --------------------------------------------------------------------------- 6. what a user queries


def test_award_key_and_bare_sha256_are_queryable(data_copy, tmp_path, run_kg):
    path = _good_summary(tmp_path, n=1)
    assert run_kg("import", "usaspending", path, "--data", data_copy, "-q").exit_code == 0
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    q = ('SELECT ?piid ?n WHERE { ?f dai:awardKey "CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-" ; '
         'dai:contractNumber ?piid ; dai:source ?s . ?s dai:sha256sum "%s" ; dai:recordCount ?n }' % digest)
    result = run_kg("query", q, "--data", data_copy, "-f", "csv")
    assert result.output.splitlines()[1:] == ["TESTAWARD0001,1"], result.output


def test_ocds_html_entities_are_decoded_in_names_and_kept_in_quotes(data_copy, tmp_path):
    path = tmp_path / "release-package.json"
    path.write_text(json.dumps({"releases": [{
        "ocid": "ocds-abc-1", "id": "1", "date": "2025-01-01", "buyer": {"name": "Ministry of Defence"},
        "awards": [{"id": "a1", "title": "Radar &amp; sonar", "suppliers": [{"name": "Smith &amp; Sons Ltd"}]}]}]}))
    ds = output_dataset(run_import("ocds", [path], data_copy)[0])
    labels = {str(o) for _, _, o, _ in _quads(ds, None, RDFS.label)}
    assert "Smith & Sons Ltd" in labels and not [x for x in labels if "&amp;" in x]
    f = fact("ocds-ocds-abc-1-a1")
    assert str(one(ds, f, "purpose")) == "Radar & sonar" and str(one(ds, f, "awardKey")) == "ocds-abc-1/a1"
    (citation,) = values(ds, f, "citation")
    assert "award.suppliers=Smith &amp; Sons Ltd" in str(one(ds, citation, "quote"))  # as published


def test_an_organisation_keeps_one_preferred_label_across_sources(data_copy, tmp_path, run_kg):
    a = write_rows(tmp_path / "a" / "Contracts_PrimeAwardSummaries_a_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-", "TESTRECIPNT1", "ACME DEFENSE SYSTEMS LLC")])
    b = write_rows(tmp_path / "b" / "Contracts_PrimeAwardSummaries_b_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0002_9700_-NONE-_-NONE-", "TESTRECIPNT1", "ACME DEFENSE SYS")])
    for path in (a, b):
        assert run_kg("import", "usaspending", path, "--data", data_copy, "-q").exit_code == 0
    q = ("SELECT ?p ?name WHERE { <%sid/uei-testrecipnt1> ?p ?name FILTER(?p IN (rdfs:label, skos:altLabel)) } "
         "ORDER BY ?p ?name" % BASE)
    rows = run_kg("query", q, "--data", data_copy, "-f", "csv").output.splitlines()[1:]
    assert rows == ["http://www.w3.org/2000/01/rdf-schema#label,ACME DEFENSE SYSTEMS LLC",
                    "http://www.w3.org/2004/02/skos/core#altLabel,ACME DEFENSE SYS"], rows
