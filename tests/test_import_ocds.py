"""kg import ocds, on the official fictional example and real UK Contracts Finder releases
(tests/data/ocds, see its README)."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest
from rdflib import RDFS

from graph.errors import DataError
from graph.importers.base import slugify
from graph.importers.ocds import party_key
from graph.importers.registry import run_import
from tests.import_helpers import DATA, amount, ent, fact, facts_of_type, one, output_dataset, values

OCDS = DATA / "ocds"
FICTIONAL = OCDS / "fictional" / "1.1__ocds-213czf-000-00001.json"
RECORD = OCDS / "fictional" / "1.1__record__ocds-213czf-000-00001.json"
FINDER = sorted((OCDS / "contracts-finder").glob("*.json"))


@pytest.fixture
def data(tmp_path):
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def _latest_award(doc):
    release = max(doc["releases"], key=lambda r: r["date"])
    return release, release["awards"][0]


def test_release_package_latest_release_of_the_award_wins(data):
    doc = json.loads(FICTIONAL.read_text())
    release, award = _latest_award(doc)
    (result,) = run_import("ocds", [FICTIONAL], data)
    assert result.rows == len(doc["releases"]) and result.records == 1
    ds = output_dataset(result)
    (f,) = facts_of_type(ds, "Contract")
    assert f == fact(f"ocds-{slugify(release['ocid'])}-{slugify(award['id'])}")
    contract = next(c for c in release["contracts"] if c["awardID"] == award["id"])
    assert amount(ds, f, "value") == Decimal(str(contract["value"]["amount"]))
    assert str(one(ds, one(ds, f, "value"), "currency")) == contract["value"]["currency"]
    assert str(one(ds, f, "status")) == contract["status"]
    offers = [r["tender"]["numberOfTenderers"] for r in doc["releases"] if r.get("tender", {}).get("numberOfTenderers")]
    assert one(ds, f, "offers").toPython() == offers[-1]
    supplier = release["parties"][[p["id"] for p in release["parties"]].index(award["suppliers"][0]["id"])]
    assert one(ds, f, "contractor") == ent("ocds-" + slugify(party_key(supplier, release["ocid"]).split(":", 1)[1]))
    assert one(ds, f, "contractor") == ent("ocds-gb-coh-11111111")  # "11111111.0" cleaned
    buyer = one(ds, f, "fundingAgency")
    assert {str(o) for _s, _p, o, _g in ds.quads((buyer, RDFS.label, None, None))} == {release["buyer"]["name"]}
    assert str(one(ds, f, "startDate")) == contract["period"]["startDate"][:10]
    src = next(iter(values(ds, f, "source")))
    assert str(one(ds, src, "publisher")) == doc["publisher"]["name"]
    assert str(one(ds, one(ds, f, "citation"), "locator")).startswith("/releases/")


def test_record_package_reads_the_compiled_release(data):
    doc = json.loads(RECORD.read_text())
    compiled = doc["records"][0]["compiledRelease"]
    ds = output_dataset(run_import("ocds", [RECORD], data)[0])
    (f,) = facts_of_type(ds, "Contract")
    assert amount(ds, f, "value") == Decimal(str(compiled["contracts"][0]["value"]["amount"]))
    assert str(one(ds, one(ds, f, "citation"), "locator")) == "/records/0/compiledRelease/awards/0"


@pytest.mark.parametrize("path", FINDER, ids=lambda p: p.stem[-8:])
def test_contracts_finder_suppliers_tenderers_and_no_contact_points(path, data):
    doc = json.loads(path.read_text())
    (release,) = doc["releases"]
    (result,) = run_import("ocds", [path], data)
    ds = output_dataset(result)
    (f,) = facts_of_type(ds, "Contract")
    assert len(values(ds, f, "contractor")) == len(release["awards"][0]["suppliers"])
    assert one(ds, f, "offers").toPython() == release["tender"]["numberOfTenderers"]
    assert amount(ds, f, "value") == Decimal(str(release["awards"][0]["value"]["amount"]))
    text = gzip.decompress(result.output.read_bytes()).decode("utf-8")
    for party in release["parties"]:
        contact = party.get("contactPoint") or {}
        for key in ("email", "telephone", "name"):
            if contact.get(key):
                assert contact[key] not in text, key


def test_not_ocds_and_truncated_json_are_errors(data, tmp_path):
    with pytest.raises(DataError, match="not an OCDS release or record package"):
        run_import("ocds", [OCDS / "fictional" / "blank-template__release-template-1__1__5.json"], data)
    cut = tmp_path / "cut.json"
    cut.write_text(FICTIONAL.read_text()[:5000])
    with pytest.raises(DataError, match="truncated JSON: the file ends inside /releases/") as err:
        run_import("ocds", [cut], data)
    assert err.value.line and err.value.file == str(cut)


def test_ocds_reimport_is_idempotent_and_builds(data_copy):
    from graph import build

    first = run_import("ocds", [FICTIONAL, *FINDER], data_copy)
    again = run_import("ocds", [FICTIONAL, *FINDER], data_copy)
    assert all(r.changed for r in first) and not any(r.changed for r in again)
    kg = build(data_copy)
    assert kg.actors.has_edge("ocds-gb-lac-e09000003", "ocds-gb-coh-11111111")
