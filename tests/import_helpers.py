"""Helpers for the importer tests: sample paths, reading an import's output back, and
generating USAspending files in the official layouts (from the packaged column lists)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from rdflib import Dataset, URIRef

from ontology.vocab import DAI

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
USA = DATA / "usaspending"
TRANSACTIONS = sorted(USA.glob("transactions/*/*_TransactionHistory_1.csv"))
SUBAWARDS = sorted(USA.glob("transactions/*/*_Sub-Awards_1.csv"))
BASE = "https://w3id.org/defense-ai-graph/"


def columns(key: str) -> list[str]:
    return json.loads(files("graph.importers").joinpath("usaspending_columns.json").read_text(encoding="utf-8"))[key]


def read_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, key: str, rows: list[dict]) -> Path:
    """A CSV in the layout ``key`` (award.d1, transaction_search.d1, ...); missing cells empty."""
    cols = columns(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        for row in rows:
            w.writerow({c: row.get(c, "") for c in cols})
    return path


#: A synthetic Prime Award Summaries row for the June 2025 OpenAI agreement. NOT real
#: USAspending data: its values are those of the curated public-record claims (agreement
#: HQ0883-25-9-0012, $1,999,998 obligated at award, 12 offers, 16 June 2025), the UEIs are
#: made up (TEST...), the agency and office names are chosen to exercise name resolution.
OPENAI_AWARD = {
    "contract_award_unique_key": "CONT_AWD_HQ08832590012_9700_-NONE-_-NONE-",
    "award_id_piid": "HQ08832590012",
    "total_obligated_amount": "1999998.00",
    "award_base_action_date": "2025-06-16",
    "period_of_performance_start_date": "2025-06-16",
    "awarding_agency_code": "097", "awarding_agency_name": "Department of Defense",
    "awarding_sub_agency_code": "9700", "awarding_sub_agency_name": "DEPARTMENT OF DEFENSE (DOD)",
    "awarding_office_code": "HQ0883", "awarding_office_name": "CHIEF DIGITAL AND ARTIFICIAL INTELLIGENCE OFFICE",
    "recipient_uei": "TESTOPENAIPS", "recipient_name": "OPENAI PUBLIC SECTOR LLC",
    "recipient_name_raw": "OPENAI PUBLIC SECTOR, L.L.C.",
    "recipient_parent_uei": "TESTOPENAI01", "recipient_parent_name": "OPENAI, INC.",
    "number_of_offers_received": "12", "for_profit_organization": "t",
    "prime_award_base_transaction_description": "PROTOTYPE FRONTIER AI CAPABILITIES",
}


def output_dataset(result) -> Dataset:
    """What an import wrote (``NAME.nq.gz``), as an rdflib Dataset."""
    import gzip

    ds = Dataset()
    ds.parse(data=gzip.decompress(Path(result.output).read_bytes()).decode("utf-8"), format="nquads")
    return ds


def fact(slug: str) -> URIRef:
    return URIRef(BASE + "fact/" + slug)


def ent(slug: str) -> URIRef:
    return URIRef(BASE + "id/" + slug)


def values(ds: Dataset, s: URIRef, prop: str) -> set:
    return {o for _s, _p, o, _g in ds.quads((s, DAI[prop], None, None))}


def one(ds: Dataset, s: URIRef, prop: str):
    (v,) = values(ds, s, prop)
    return v


def amount(ds: Dataset, s: URIRef, prop: str) -> Decimal:
    m = one(ds, s, prop)
    return Decimal(str(one(ds, m, "amount")))


def facts_of_type(ds: Dataset, cls: str) -> set:
    from rdflib import RDF

    return {s for s, _p, _o, _g in ds.quads((None, RDF.type, DAI[cls], None))}


def _shipped_awards() -> int:
    import gzip

    return sum(gzip.decompress(p.read_bytes()).count(b"#Contract> <") for p in (ROOT.parent / "data" / "imported").rglob("*.nq.gz"))


#: the contract facts of the shipped data folder: 6 curated, the rest imported (data/imported/)
SHIPPED_AWARDS = _shipped_awards()
CONTRACTS = 6 + SHIPPED_AWARDS
