"""Entity resolution: normalised names, identifiers, confirmed decisions, kg resolve --report."""

from __future__ import annotations

import pytest

from graph.errors import DataError
from graph.importers.registry import run_import
from graph.importers.resolve import Resolver, normalise, read_decisions
from tests.import_helpers import OPENAI_AWARD, ent, one, output_dataset, write_rows


@pytest.mark.parametrize("a, b", [
    ("OPENAI PUBLIC SECTOR LLC", "OpenAI Public Sector, L.L.C."),
    ("LOCKHEED MARTIN CORP", "Lockheed Martin Corporation"),
    ("THE BOEING COMPANY", "Boeing"),
    ("AT&T INC.", "AT and T"),
    ("DEPARTMENT OF DEFENSE (DOD)", "Department of Defense"),
    ("Dept. of Defense", "Department of Defense"),
    ("Société Générale S.A.", "SOCIETE GENERALE"),
])
def test_normalise_ignores_case_accents_punctuation_suffixes_and_ampersand(a, b):
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize("a, b", [("RAYTHEON COMPANY", "RTX CORPORATION"), ("OPENAI", "OPENAI PUBLIC SECTOR")])
def test_normalise_keeps_different_names_apart(a, b):
    assert normalise(a) != normalise(b)


@pytest.fixture
def resolver(data_copy):
    return Resolver.for_data(data_copy)


def test_identifier_then_name_and_types(resolver):
    assert resolver.resolve(["wikidata:Q21708200"], []).entity == "openai"
    m = resolver.resolve(["uei:TESTOPENAIPS"], ["OPENAI PUBLIC SECTOR LLC"])
    assert m.entity == "openai-public-sector" and m.rule.startswith("name: 'OPENAI PUBLIC SECTOR LLC'")
    assert resolver.resolve([], ["Department of Defense"], ("GovernmentAgency",)).entity == "dod"
    assert resolver.resolve([], ["STARGATE LLC"]) is None  # a curated Program, not an organisation
    assert resolver.resolve([], ["PALANTIR TECHNOLOGY"]) is None  # close, not equal: a candidate only
    assert resolver.candidates(["PALANTIR TECHNOLOGY INC"])[0][1] == "palantir"


def test_confirmed_decisions_are_data(data_copy):
    (data_copy / "resolutions.csv").write_text(
        "# confirmed merges\n"
        "key,decision,entity,confirmed_by,note\n"
        "uei:TESTPALANTR1,same,palantir,analyst,\"same address, SAM.gov record\"\n"
        "name:OPENAI PUBLIC SECTOR LLC,distinct,,analyst,test of a veto\n")
    r = Resolver.for_data(data_copy)
    m = r.resolve(["uei:TESTPALANTR1"], ["PALANTIR USG INC"])
    assert m.entity == "palantir" and "resolutions.csv:3, by analyst" in m.rule
    assert r.resolve(["uei:TESTOPENAIPS"], ["OPENAI PUBLIC SECTOR LLC"]) is None
    (data_copy / "resolutions.csv").write_text("key,decision,entity,confirmed_by,note\nuei:X,maybe,openai,me,\n")
    with pytest.raises(DataError, match="resolutions.csv:2: decision must be 'same' or 'distinct'"):
        read_decisions(data_copy / "resolutions.csv")
    (data_copy / "resolutions.csv").write_text("key,decision,entity,confirmed_by,note\nuei:X,same,nobody,me,\n")
    with pytest.raises(DataError, match="unknown entity 'nobody'"):
        Resolver.for_data(data_copy)


def test_openai_public_sector_becomes_a_subsidiary_of_openai(data_copy, tmp_path):
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_openai_1.csv", "award.d1", [OPENAI_AWARD])
    (result,) = run_import("usaspending", [path], data_copy)
    assert (result.new_actors, result.merged_actors) == (0, 4)  # office, agency, recipient, parent
    ds = output_dataset(result)
    from tests.import_helpers import fact

    link = fact("openai-public-sector-subsidiary")  # the curated fact, now also stated by the record
    assert one(ds, link, "child") == ent("openai-public-sector") and one(ds, link, "parent") == ent("openai")
    assert "normalised 'openai'" in str(one(ds, ent("openai"), "matchRule"))
    from graph import build

    kg = build(data_copy)
    (edge,) = [d for u, v, d in kg.actors.edges(data=True) if (u, v) == ("openai-public-sector", "openai")]
    assert {c["source"] for c in edge["citations"]} == {"nbcdfw-openai-200m", result.source}
    assert kg.actors.has_edge("cdao", "openai-public-sector")  # the office resolved to the curated CDAO


def test_resolve_report_lists_candidates_with_scores_then_a_confirmation_links(data_copy, tmp_path, run_kg):
    row = dict(OPENAI_AWARD, recipient_uei="TESTPALANTR1", recipient_name="PALANTIR TECHNOLOGY INC",
               recipient_parent_uei="", recipient_parent_name="", recipient_name_raw="")
    path = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_pltr_1.csv", "award.d1", [row])
    run_import("usaspending", [path], data_copy)
    report = run_kg("resolve", "--report", "--wide", "--data", data_copy)
    assert report.exit_code == 0, report.output
    line = next(x for x in report.stdout.splitlines() if "PALANTIR TECHNOLOGY INC (uei:TESTPALANTR1)" in x)
    assert "candidate" in line and "->  palantir (Palantir Technologies)" in line
    assert float(line.split()[0]) >= 0.75
    as_csv = run_kg("resolve", "--report", "--wide", "--csv", "--data", data_copy).stdout.splitlines()
    assert as_csv[0] == "key,decision,entity,confirmed_by,note"
    assert as_csv[1].startswith("uei:TESTPALANTR1,,palantir,,score ")
    (data_copy / "resolutions.csv").write_text(
        "key,decision,entity,confirmed_by,note\nuei:TESTPALANTR1,same,palantir,reviewer,checked SAM.gov\n")
    run_import("usaspending", [path], data_copy)
    after = run_kg("resolve", "--report", "--wide", "--data", data_copy).stdout
    assert "confirmed: uei:TESTPALANTR1 = palantir" in after
    assert "PALANTIR TECHNOLOGY INC (uei:TESTPALANTR1)" not in after


def test_resolve_report_from_a_store_is_the_report_in_memory(data_copy, tmp_path, run_kg):
    """Imported organisations read from an Oxigraph store (names, identifiers, match rules,
    no fact): the same candidates and links, in the same order, as in memory."""
    pytest.importorskip("pyoxigraph")
    from graph.store import writer
    from tests.test_store import _award_file

    row = dict(OPENAI_AWARD, recipient_uei="TESTPALANTR1", recipient_name="PALANTIR TECHNOLOGY INC",
               recipient_parent_uei="", recipient_parent_name="", recipient_name_raw="")
    spec = f"oxigraph:{tmp_path / 'kg'}"
    with writer(spec, data_dir=data_copy) as store:
        run_import("usaspending", [write_rows(tmp_path / "Contracts_PrimeAwardSummaries_pltr_1.csv", "award.d1", [row]),
                                   ], data_copy, store=store)
        run_import("usaspending", [write_rows(tmp_path / "Contracts_PrimeAwardSummaries_openai_1.csv", "award.d1",
                                              [OPENAI_AWARD])], data_copy, store=store)
        run_import("usaspending", [_award_file(tmp_path, 200)], data_copy, store=store)
    for args in (("--report",), ("--report", "--csv", "--min-score", "0.5")):
        in_memory = run_kg("resolve", *args, "--data", data_copy)
        from_store = run_kg("resolve", *args, "--data", data_copy, "--store", spec)
        assert from_store.exit_code == 0, from_store.output
        assert from_store.stdout == in_memory.stdout
    assert "PALANTIR TECHNOLOGY INC (uei:TESTPALANTR1)" in from_store.stdout or "uei:TESTPALANTR1" in from_store.stdout
    assert "linked" in run_kg("resolve", "--report", "--wide", "--data", data_copy, "--store", spec).stdout
