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
    out = run_kg("resolve", "--report", "--data", data_copy).output
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
    out = run_kg("resolve", "--report", "--data", data_copy).output
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
    out = run_kg("resolve", "--report", "--data", data_copy).output
    assert "nothing is imported yet" in out
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_d_1.csv", "award.d1", [
        _summary_row("CONT_AWD_TESTAWARD0001_9700_-NONE-_-NONE-", "TESTQWERTY01", "QWERTYUIOP ZXCVB LLC",
                     awarding_office_name="", awarding_sub_agency_name="", awarding_agency_name="Zyxwv Vutsr Agency")])
    assert run_kg("import", "usaspending", path, "--data", data_copy, "-q").exit_code == 0
    out = run_kg("resolve", "--report", "--data", data_copy).output
    assert "imported organisation(s), none linked to a curated actor" in out and "--min-score" in out
