"""kg import table FILE --mapping MAPPING: any table, by a declarative mapping.

The small files are written by each test (CSV, TSV, JSON, JSON Lines, XLSX); the shipped
import (the Innovators League extract through its shipped mapping) is re-made from the
extract and compared byte for byte with the committed one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Literal

from graph.cli import main
from graph.importers.base import slugify, source_stem
from graph.importers.registry import run_import
from ontology.vocab import DAI
from graph.errors import DataError
from tests.import_helpers import amount, ent, fact, facts_of_type, one, output_dataset, values

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "https://w3id.org/defense-ai-graph/source/"

#: a tabular mapping: one award per row, agency -> unit, the supplier by UEI or name
TABLE_MAPPING = """\
name: awards
source:
  title: Defence awards
  publisher: Ministry of Defence
  url: https://example.org/awards
  licence: https://creativecommons.org/publicdomain/zero/1.0/
{head}queries:
  - {filters}entities:
      supplier:
        schema: Company
        keys: {{uei: uei, name: supplier}}
      buyer:
        schema: GovernmentAgency
        keys: {{name: buyer}}
      unit:
        schema: GovernmentAgency
        keys: {{name: [unit, buyer]}}
        unit_of: buyer
      award:
        schema: Contract
        keys: [id]
        label: "Award {{id}} to {{supplier}}"
        properties:
          contract_number: id
          contractor: supplier
          awarding_agency: unit
          obligated_amount: {{column: amount, currency: EUR}}
          start_date: start
          end_date: end
          purpose: title
"""
HEADER = ["id", "buyer", "unit", "supplier", "uei", "amount", "start", "end", "title"]
ROWS = [
    ["A-1", "Ministry of Defence", "Army", "ACME CORP", "ABCDEF123456", "1500.50", "2025-01-02", "2025-12-31", "Drones"],
    ["A-2", "Ministry of Health", "", "Other Ltd", "", "10", "2025-02-01", "", "Masks"],
]
#: the fields the fact of a row uses, in the order of the mapping (empty ones are not quoted)
USED = ["id", "uei", "supplier", "unit", "buyer", "amount", "start", "end", "title"]


def quote_of(row: dict) -> str:
    return "; ".join(f"{c}={row[c]}" for c in USED if str(row.get(c, "")).strip())


def write_mapping(tmp_path: Path, text: str, name: str = "awards.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def table_mapping(tmp_path: Path, head: str = "", filters: str = "") -> Path:
    return write_mapping(tmp_path, TABLE_MAPPING.format(head=head, filters=filters))


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return d


def do_import(path: Path, mapping: Path, data: Path):
    (result,) = run_import("table", [path], data, options={"mapping": str(mapping)})
    return result, output_dataset(result)


def assert_rows(ds, result, path: Path, rows: list[dict], locators: list[str]):
    """Each row is an award citing the file (sha256), its row or pointer and its fields."""
    g = next(iter({g for _s, _p, _o, g in ds.quads((None, RDF.type, DAI.Source, None))}))
    assert str(g) == SOURCE + "table-" + slugify(source_stem(path))  # one source per file
    sums = {str(o) for _s, _p, o, _g in ds.quads((g, DAI.sha256sum, None, None))}
    assert any(hashlib.sha256(path.read_bytes()).hexdigest() in s for s in sums)
    assert str(one(ds, g, "title")) == "Defence awards" and str(one(ds, g, "publisher")) == "Ministry of Defence"
    assert str(one(ds, g, "url")) == "https://example.org/awards"
    assert "Licence: https://creativecommons.org/publicdomain/zero/1.0/." in str(one(ds, g, "note"))
    for row, loc in zip(rows, locators):
        f = fact("table-awards-award-" + row["id"].lower())
        (c,) = values(ds, f, "citation")
        assert str(one(ds, c, "locator")) == loc
        assert str(one(ds, c, "quote")) == quote_of(row)
        assert one(ds, c, "cites") == g
        assert str(one(ds, f, "contractNumber")) == row["id"]
        assert amount(ds, f, "obligatedAmount") == Decimal(str(row["amount"]))
        assert str(one(ds, one(ds, f, "obligatedAmount"), "currency")) == "EUR"
        assert str(one(ds, f, "startDate")) == str(row["start"])[:10]
        assert str(one(ds, f, "purpose")) == row["title"]
    a1 = fact("table-awards-award-a-1")
    assert one(ds, a1, "contractor") == ent("uei-abcdef123456")  # keyed by UEI, as USAspending keys it
    assert one(ds, a1, "awardingAgency") == ent("agency-army")
    (unit,) = facts_of_type(ds, "SubUnit")
    assert (one(ds, unit, "child"), one(ds, unit, "parent")) == (ent("agency-army"), ent("agency-ministry-of-defence"))
    a2 = fact("table-awards-award-a-2")
    assert one(ds, a2, "contractor") == ent("org-other")  # no UEI: keyed by name in this importer
    assert one(ds, a2, "awardingAgency") == ent("agency-ministry-of-health")  # no unit: the buyer
    assert values(ds, a2, "endDate") == set()
    assert (result.rows, result.records, result.rejected) == (len(rows), len(rows), 0)


# --------------------------------------------------------------------------- each layout


@pytest.mark.parametrize("suffix,delimiter", [(".csv", ","), (".tsv", "\t")])
def test_csv_and_tsv_rows_become_awards_citing_file_row_and_fields(tmp_path, data, suffix, delimiter):
    path = tmp_path / f"awards_2025{suffix}"
    path.write_text("\n".join(delimiter.join(r) for r in [HEADER, *ROWS]) + "\n", encoding="utf-8")
    result, ds = do_import(path, table_mapping(tmp_path), data)
    assert_rows(ds, result, path, [dict(zip(HEADER, r)) for r in ROWS], ["row 2", "row 3"])


def _records() -> list[dict]:
    return [dict(zip(HEADER, r)) for r in ROWS]


def _json_dump(obj, indent: int | None = 1) -> str:
    """JSON text with the amounts as JSON numbers, written as the rows write them (1500.50)."""
    return re.sub(r'"amount": "([0-9.]+)"', r'"amount": \1', json.dumps(obj, indent=indent))


def test_json_array_records_are_cited_by_json_pointer(tmp_path, data):
    path = tmp_path / "awards.json"
    path.write_text(_json_dump(_records()), encoding="utf-8")
    assert '"amount": 1500.50,' in path.read_text(encoding="utf-8")
    result, ds = do_import(path, table_mapping(tmp_path), data)
    assert_rows(ds, result, path, _records(), ["/0", "/1"])  # quoted as the file writes it, not as a float prints


def test_json_array_under_a_key(tmp_path, data):
    path = tmp_path / "search.json"
    path.write_text(_json_dump({"page": 1, "results": _records(), "total": 2}), encoding="utf-8")
    result, ds = do_import(path, table_mapping(tmp_path, head="records: /results\n"), data)
    assert_rows(ds, result, path, _records(), ["/results/0", "/results/1"])


def test_json_lines_records_are_cited_by_line(tmp_path, data):
    path = tmp_path / "awards.jsonl"
    path.write_text("\n".join(_json_dump(r, None) for r in _records()) + "\n\n", encoding="utf-8")
    result, ds = do_import(path, table_mapping(tmp_path), data)
    assert_rows(ds, result, path, _records(), ["line 1", "line 2"])


def test_xlsx_rows_with_numbers_and_dates(tmp_path, data):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Awards"
    ws.append(HEADER)
    recs = _records()
    for r in recs:
        ws.append([r["id"], r["buyer"], r["unit"] or None, r["supplier"], r["uei"] or None, float(r["amount"]),
                   dt.datetime.fromisoformat(r["start"]), dt.datetime.fromisoformat(r["end"]) if r["end"] else None,
                   r["title"]])
    path = tmp_path / "awards.xlsx"
    wb.save(path)
    result, ds = do_import(path, table_mapping(tmp_path), data)
    recs[0]["amount"] = "1500.5"  # the number the cell holds
    assert_rows(ds, result, path, recs, ["row 2", "row 3"])


NESTED_MAPPING = """\
source: {title: Defence awards, publisher: Ministry of Defence}
records: /releases/*/awards
queries:
  - entities:
      buyer: {schema: GovernmentAgency, keys: {name: ../buyer/name}}
      supplier: {schema: Company, keys: {name: /suppliers/0/name}}
      award:
        schema: Contract
        keys: [../ocid, id]
        properties:
          awarding_agency: buyer
          contractor: supplier
          value: {column: /value/amount, currency_column: /value/currency}
"""


def test_nested_json_arrays_inside_records_with_fields_of_the_enclosing_record(tmp_path, data):
    doc = {"publisher": {"name": "X"}, "releases": [
        {"ocid": "r1", "buyer": {"name": "Ministry of Defence"}, "awards": [
            {"id": "a1", "value": {"amount": 100, "currency": "EUR"}, "suppliers": [{"name": "ACME"}]},
            {"id": "a2", "value": {"amount": 2.5, "currency": "GBP"}, "suppliers": [{"name": "Beta SA"}]}]},
        {"ocid": "r2", "buyer": {"name": "Ministry of the Interior"}, "awards": []},
        {"ocid": "r3", "buyer": {"name": "Ministry of the Interior"}, "awards": [
            {"id": "a3", "value": {"amount": 7, "currency": "EUR"}, "suppliers": [{"name": "ACME"}]}]}]}
    path = tmp_path / "releases.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result, ds = do_import(path, write_mapping(tmp_path, NESTED_MAPPING, "ocds.yaml"), data)
    assert (result.rows, result.records) == (3, 3)
    f = fact("table-ocds-award-r1-a2")
    (c,) = values(ds, f, "citation")
    assert str(one(ds, c, "locator")) == "/releases/0/awards/1"
    assert str(one(ds, c, "quote")) == ("../ocid=r1; id=a2; ../buyer/name=Ministry of Defence; "
                                        "/suppliers/0/name=Beta SA; /value/amount=2.5; /value/currency=GBP")
    assert amount(ds, f, "value") == Decimal("2.5")
    assert str(one(ds, one(ds, f, "value"), "currency")) == "GBP"
    assert one(ds, fact("table-ocds-award-r3-a3"), "awardingAgency") == ent("agency-ministry-of-the-interior")
    assert one(ds, fact("table-ocds-award-r3-a3"), "contractor") == one(ds, fact("table-ocds-award-r1-a1"), "contractor")
    assert {str(o) for _s, _p, o, _g in ds.quads((ent("org-beta"), RDFS.label, None, None))} == {"Beta SA"}


# --------------------------------------------------------------------------- filters, de-duplication


def _csv(tmp_path: Path, rows: list[list[str]], name: str = "awards.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_filters_keep_only_the_rows_they_name(tmp_path, data):
    more = ROWS + [["A-3", "Ministry of Defence", "Navy", "ACME CORP", "ABCDEF123456", "5", "2025-03-01", "", "Boats"]]
    path = _csv(tmp_path, more)
    keep = "filters: {buyer: [Ministry of Defence]}\n    filters_not: {unit: Navy}\n    "
    result, ds = do_import(path, table_mapping(tmp_path, filters=keep), data)
    assert facts_of_type(ds, "Contract") == {fact("table-awards-award-a-1")}
    assert (result.rows, result.records, result.filtered, result.skipped) == (3, 1, 2, 0)
    assert "2 rows filtered out" in result.summary()


def test_unique_key_counts_a_repeated_record_once_and_reports_it(tmp_path, data):
    repeated = ["A-1", "Ministry of Defence", "Army", "ACME CORP", "ABCDEF123456", "1500.50", "2025-01-02", "2025-12-31",
                "Drones (listed again under another search)"]
    path = _csv(tmp_path, ROWS + [repeated])
    result, ds = do_import(path, table_mapping(tmp_path, filters="unique: id\n    "), data)
    assert (result.rows, result.records, result.skipped, result.rejected) == (3, 2, 1, 0)
    (p,) = result.problems_shown
    assert (p.row, p.action) == ("row 4", "skipped") and "id=A-1 repeats row 2" in p.reason
    assert str(one(ds, fact("table-awards-award-a-1"), "purpose")) == "Drones"  # the first listing
    assert "row 4,skipped" in result.rejects_file.read_text(encoding="utf-8")


def test_bad_amount_or_date_rejects_the_row_into_the_rejects_file(tmp_path, data):
    bad = [["A-3", "Ministry of Defence", "Army", "ACME CORP", "", "12.3x", "2025-03-01", "", "x"],
           ["A-4", "Ministry of Defence", "Army", "ACME CORP", "", "3", "2025-02-30", "", "y"],
           ["A-5", "Ministry of Defence", "Army", "", "", "3", "2025-02-01", "", "no supplier"]]
    path = _csv(tmp_path, ROWS + bad)
    result, ds = do_import(path, table_mapping(tmp_path), data)
    assert (result.rows, result.records, result.rejected) == (5, 2, 3)
    rejects = result.rejects_file.read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "file,row,action,column,value,reason"
    assert rejects[1].startswith("awards.csv,row 4,rejected,amount,12.3x,")
    assert rejects[2].startswith("awards.csv,row 5,rejected,start,2025-02-30,")
    assert "no contractor" in rejects[3]
    assert facts_of_type(ds, "Contract") == {fact("table-awards-award-a-1"), fact("table-awards-award-a-2")}
    # nothing of a rejected row is written, not even its actors
    assert not any(ds.quads((None, None, Literal("12.3x"), None)))


def test_importing_twice_changes_nothing(tmp_path, data):
    path = _csv(tmp_path, ROWS)
    mapping = table_mapping(tmp_path)
    first, _ = do_import(path, mapping, data)
    before = first.output.read_bytes()
    again, _ = do_import(path, mapping, data)
    assert first.changed and not again.changed
    assert again.output.read_bytes() == before


# --------------------------------------------------------------------------- bad mappings


def _cli(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.mark.parametrize("change,message,line", [
    (("keys: [id]", "keys: [awrd_id]"), "column 'awrd_id' is not in the header of awards.csv", 21),
    (("contract_number: id", "contract_numbr: id"), "fact 'award': properties: contract_numbr: the ontology has no property 'contract_numbr' for Contract",
     24),
    (("schema: Contract", "schema: Contrat"), "entity 'award': unknown schema 'Contrat'", 20),
    (("  publisher: Ministry of Defence\n", ""), "source: missing required key 'publisher'", 3),
    (("          contractor: supplier\n", ""), "fact 'award': a Contract needs contractor", 20),
    (("keys: {uei: uei, name: supplier}", "keys: {duns: uei}"), "entity 'supplier': keys: unknown key 'duns'", 11),
])
def test_a_bad_mapping_is_one_line_naming_the_mapping_and_line_exit_2_nothing_written(tmp_path, data, change, message,
                                                                                      line):
    path = _csv(tmp_path, ROWS)
    text = TABLE_MAPPING.format(head="", filters="")
    assert change[0] in text
    mapping = write_mapping(tmp_path, text.replace(change[0], change[1]))
    r = _cli(["import", "table", str(path), "--mapping", str(mapping), "--data", str(data), "-q"])
    assert r.exit_code == 2
    (err,) = r.stderr.strip().splitlines()
    assert err.startswith(f"kg: error: {mapping}:{line}: {message}"), err
    assert written(data) == []


def written(data: Path) -> list[Path]:
    """The files an import left in the data folder's imported/."""
    return sorted(p for p in (data / "imported").rglob("*") if p.is_file()) if (data / "imported").exists() else []


def test_table_needs_a_mapping_and_the_other_datasets_take_none(tmp_path, data):
    path = _csv(tmp_path, ROWS)
    r = _cli(["import", "table", str(path), "--data", str(data), "-q"])
    assert r.exit_code == 2 and "needs --mapping" in r.stderr
    r = _cli(["import", "usaspending", str(path), "--mapping", "innovators-league", "--data", str(data), "-q"])
    assert r.exit_code == 2 and "--mapping is for kg import table" in r.stderr
    r = _cli(["import", "table", str(path), "--mapping", "no-such-mapping", "--data", str(data), "-q"])
    assert r.exit_code == 2 and "shipped: innovators-league" in r.stderr
    assert not (data / "imported").exists()


def test_a_json_field_that_no_record_has_is_a_mapping_error(tmp_path, data):
    path = tmp_path / "awards.json"
    path.write_text(_json_dump(_records()), encoding="utf-8")
    mapping = write_mapping(tmp_path, TABLE_MAPPING.format(head="", filters="").replace("purpose: title",
                                                                                           "purpose: titel"))
    r = _cli(["import", "table", str(path), "--mapping", str(mapping), "--data", str(data), "-q"])
    assert r.exit_code == 2
    assert f"{mapping}:30: field 'titel' is in none of the 2 records of awards.json" in r.stderr
    assert not (data / "imported" / "table" / "awards.nq.gz").exists()


# --------------------------------------------------------------------------- the shipped import


EXTRACT = ROOT / "data" / "sources" / "innovators-league" / "gov_contracts_raw.json"
SHIPPED = ROOT / "data" / "imported" / "table" / "gov_contracts_raw.nq.gz"


def test_the_shipped_import_reproduces_byte_for_byte_from_the_extract_and_its_mapping(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(".kg", "imported"))
    (result,) = run_import("table", [data / "sources" / "innovators-league" / EXTRACT.name], data,
                           options={"mapping": "innovators-league"})
    assert result.output.read_bytes() == SHIPPED.read_bytes()
    assert (result.rows, result.records, result.skipped, result.rejected) == (870, 511, 101, 0)
    rows = json.loads(EXTRACT.read_text(encoding="utf-8"))
    kept = [r for r in rows if r["agency"] in ("Department of Defense", "Department of Homeland Security")]
    assert result.filtered == len(rows) - len(kept)
    assert result.records == len({r["awardId"] for r in kept})


def test_the_shipped_awards_resolve_to_the_curated_actors_and_cite_the_compilation():
    ds = output_dataset(type("R", (), {"output": SHIPPED}))
    rows = json.loads(EXTRACT.read_text(encoding="utf-8"))
    by_id = {}
    for n, r in enumerate(rows):
        by_id.setdefault(r["awardId"], (n, r))
    contractors = {one(ds, f, "contractor") for f in facts_of_type(ds, "Contract")}
    assert {ent("anduril"), ent("palantir")} <= contractors
    dod_units = {one(ds, f, "child") for f in facts_of_type(ds, "SubUnit") if one(ds, f, "parent") == ent("dod")}
    assert ent("agency-department-of-the-air-force") in dod_units
    n, row = by_id["H9240224F0057"]
    f = fact("table-innovators-league-award-h9240224f0057")
    assert one(ds, f, "contractor") == ent("anduril")
    (c,) = values(ds, f, "citation")
    assert str(one(ds, c, "locator")) == f"/{n}"
    assert str(one(ds, c, "quote")).startswith(f"awardId={row['awardId']}; recipientName={row['recipientName']}; ")
    assert "third-party compilation of USAspending.gov search results" in str(one(ds, c, "inference"))
    assert "PIID H9240224F0057" in str(one(ds, c, "inference"))
    (src,) = {g for _s, _p, _o, g in ds.quads((f, DAI.source, None, None))}
    assert one(ds, f, "source") == src == one(ds, c, "cites")
    assert "compilation" in str(one(ds, src, "title"))


# --------------------------------------------------------------------------- what every importer guarantees


def test_a_row_with_a_control_character_is_rejected_and_a_short_last_row_is_a_truncation(tmp_path, data):
    path = tmp_path / "awards_2025.csv"
    bad = [*ROWS[0][:3], "ACME\x00 CORP", *ROWS[0][4:]]
    path.write_text("\n".join(",".join(r) for r in [HEADER, bad, ROWS[1]]) + "\n", encoding="utf-8")
    result, _ds = do_import(path, table_mapping(tmp_path), data)
    assert (result.records, result.rejected) == (1, 1)
    assert "supplier: control character U+0000" in str(result.problems_shown[0])
    path.write_text("\n".join(",".join(r) for r in [HEADER, *ROWS]) + '\nA-3,"Ministry of Defence\n',
                    encoding="utf-8")  # cut after a newline inside a quoted field
    with pytest.raises(DataError, match=r"awards_2025.csv:4: truncated: the last row has 2 of 9 fields"):
        do_import(path, table_mapping(tmp_path), data)


def test_an_agency_named_in_a_table_and_in_usaspending_is_one_node(tmp_path, data):
    from tests.import_helpers import OPENAI_AWARD, write_rows

    usa = write_rows(tmp_path / "Contracts_PrimeAwardSummaries_t_1.csv", "award.d1", [{
        **OPENAI_AWARD, "awarding_agency_name": "Ministry of Defence", "awarding_sub_agency_name": "Army",
        "awarding_office_code": "", "awarding_office_name": "", "awarding_sub_agency_code": ""}])
    (done,) = run_import("usaspending", [usa], data)
    path = tmp_path / "awards_2025.csv"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *ROWS]) + "\n", encoding="utf-8")
    _result, ds = do_import(path, table_mapping(tmp_path), data)
    usa_ds = output_dataset(done)
    army = ent("agency-army")
    assert one(usa_ds, fact("usaspending-cont-awd-hq08832590012-9700-none-none"), "awardingAgency") == army
    assert one(ds, fact("table-awards-award-a-1"), "awardingAgency") == army
