"""Import USAspending.gov contract data: CSV downloads and API v2 JSON.

Recognised inputs (the layout is told by the header, not the file name):

- **Prime Award Summaries** (``Contracts_PrimeAwardSummaries_*.csv``, 286 columns): one row
  per award.
- **Prime Transactions** and award-page **TransactionHistory** files (297 columns): one row
  per transaction (the base award, modification ``0``, and each modification). Rows are
  aggregated by ``contract_award_unique_key`` (on disk, so memory stays flat): the obligated
  amount is the **sum of** ``federal_action_obligation`` over the rows of the source; the
  current and potential values are award-level and taken from the latest row, **never summed**.
- **Sub-awards** (``*_Sub-Awards_*.csv``, 118 columns): prime award -> sub-recipient.
- **API v2 JSON**: ``GET /api/v2/awards/<id>/`` and ``POST /api/v2/search/spending_by_award/``.

What becomes what: the award is a ``dai:Contract`` (``fact/usaspending-<award key>``) with its
PIID (``dai:contractNumber``), parent IDV, obligated / current / potential values, dates,
place of performance, NAICS and PSC codes, offers, extent competed and description. The
awarding (and funding) agency, sub-agency and office are ``dai:GovernmentAgency`` nodes
linked child -> parent by ``dai:SubUnit`` facts; the contract's ``dai:awardingAgency`` is the
most specific of them. The recipient is keyed by its UEI (``id/uei-<uei>``), labelled with
the cleaned name, the raw names and DBA name as aliases, with its CAGE code; a parent UEI
other than the recipient's own gives a ``dai:Subsidiary`` fact. Phone and fax numbers and
the names and pay of highly compensated officers are never copied; e-mail addresses in
texts are removed.

Example
-------
>>> layout_of(COLUMNS["transaction_search.d1"]).name
'transactions'
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files as package_files
from pathlib import Path

from rdflib import XSD, Literal, URIRef

from graph.errors import DataError
from graph.importers.base import ImportRun, RowError, check_cells, check_record, named, parse_amount, parse_day, slugify
from graph.importers.jsonstream import JSONProblem, iter_json
from graph.importers.nquads import Lit
from graph.importers.resolve import AGENCY_TYPES, normalise
from graph.rdf import FACT
from ontology.vocab import DAI

__all__ = ["import_files", "layout_of", "COLUMNS", "DATASET", "PUBLISHER", "Layout"]

DATASET = "USAspending"
PUBLISHER = "USAspending.gov"


@lru_cache(maxsize=1)
def _columns() -> dict:
    text = package_files("graph.importers").joinpath("usaspending_columns.json").read_text(encoding="utf-8")
    return json.loads(text)


class _Columns:
    def __getitem__(self, key: str) -> list[str]:
        return _columns()[key]


#: The CSV header of each USAspending download (keys as in usaspending-api).
COLUMNS = _Columns()


class Layout:
    def __init__(self, name: str, key: str, title: str, required: tuple[str, ...]):
        self.name, self.key, self.title, self.required = name, key, title, required


_RECIPIENT = ("recipient_uei", "recipient_name", "recipient_parent_uei", "recipient_parent_name")
_AGENCIES = tuple(
    f"{who}_{level}_{what}" for who in ("awarding", "funding") for level in ("agency", "sub_agency", "office")
    for what in ("code", "name")
)
_AWARD = (
    "contract_award_unique_key", "award_id_piid", "parent_award_id_piid", "number_of_offers_received",
    "extent_competed", "naics_code", "product_or_service_code", "period_of_performance_start_date",
    "period_of_performance_current_end_date", "period_of_performance_potential_end_date",
    "current_total_value_of_award", "potential_total_value_of_award",
) + _RECIPIENT + _AGENCIES

LAYOUTS = {
    "summary": Layout("summary", "award.d1", "USAspending Contracts Prime Award Summaries",
                      _AWARD + ("total_obligated_amount", "award_base_action_date")),
    "transactions": Layout("transactions", "transaction_search.d1", "USAspending Contracts Prime Transactions",
                           _AWARD + ("contract_transaction_unique_key", "modification_number", "federal_action_obligation", "action_date")),
    "subawards": Layout("subawards", "subaward_search.d1", "USAspending Contract Sub-awards", (
        "prime_award_unique_key", "prime_award_piid", "prime_awardee_uei", "prime_awardee_name",
        "prime_award_awarding_agency_name", "subaward_number", "subaward_amount", "subaward_action_date",
        "subawardee_uei", "subawardee_name",
    )),
}


def layout_of(header: list[str], path: str = "") -> Layout:
    """The layout of a CSV header; raises :class:`DataError` naming what is missing."""
    cols = set(header)
    if "assistance_transaction_unique_key" in cols or "assistance_award_unique_key" in cols or "prime_award_fain" in cols:
        raise DataError("a USAspending assistance file (grants, loans): only contract files are supported", file=path, line=1)
    if "contract_transaction_unique_key" in cols:
        layout = LAYOUTS["transactions"]
    elif "prime_award_unique_key" in cols or "subaward_number" in cols:
        layout = LAYOUTS["subawards"]
    elif "contract_award_unique_key" in cols:
        layout = LAYOUTS["summary"]
    else:
        first = ", ".join(header[:4]) or "(empty)"
        raise DataError(
            "not a USAspending contract download: the header has none of contract_award_unique_key, "
            f"contract_transaction_unique_key, prime_award_unique_key (it starts: {first})", file=path, line=1)
    missing = [c for c in layout.required if c not in cols]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}: expected a {layout.title} file "
            f"({len(COLUMNS[layout.key])} columns)", file=path, line=1)
    return layout


# --------------------------------------------------------------------------- helpers


def _quote(row: dict, columns) -> str:
    parts = []
    for c in columns:
        v = (row.get(c) or "").strip()
        if v:
            parts.append(f"{c}={v if len(v) <= 300 else v[:299] + '…'}")
    return "; ".join(parts)


def _offers(row: dict, column: str = "number_of_offers_received") -> int | None:
    v = (row.get(column) or "").strip()
    if not v:
        return None
    try:
        n = int(Decimal(v))
        if n < 0 or Decimal(v) != n:
            raise ValueError
    except Exception:
        raise RowError(f"{column}: {v!r} is not a whole number", column, v) from None
    return n


def _is_company(row: dict, prefix: str = "") -> bool:
    flag = (row.get("for_profit_organization") or "").strip().lower()
    if flag:
        return flag in ("t", "true", "y", "yes")
    types = (row.get(prefix + "business_types") or "").lower()
    if types:
        return "for profit" in types or "corporate entity" in types
    return True


def _recipient(run: ImportRun, *, uei: str, name: str, raw: str = "", dba: str = "", cage: str = "",
               duns: str = "", company: bool = True) -> tuple:
    uei, name, raw = (uei or "").strip().upper(), (name or "").strip(), (raw or "").strip()
    label = name or raw
    if not label and not uei:
        return None, ""
    if uei:
        key, slug = f"uei:{uei}", f"uei-{uei.lower()}"
    elif duns and duns.strip():
        key, slug = f"duns:{duns.strip()}", f"duns-{duns.strip()}"
    else:
        key, slug = named("org", label)
    props = [(DAI.cageCode, Lit(cage.strip()))] if cage and cage.strip() else []
    iri = run.actor(
        key=key, slug=slug, cls="Company" if company else "Organization", label=label or uei,
        aliases=[a for a in (raw, (dba or "").strip()) if a and a != label], props=props,
        keys=[f"duns:{duns.strip()}"] if uei and duns and duns.strip() else [],
    )
    return iri, label


def _agency(run: ImportRun, code: str, name: str, level: str):
    code, name = (code or "").strip(), (name or "").strip()
    if level == "office":
        key = f"usaspending-office:{code.upper()}" if code else f"usaspending-office-name:{normalise(name)}"
        slug = f"us-office-{slugify(code)}" if code else f"us-office-{slugify(normalise(name), 60)}"
        keys = []
    else:
        key, slug = named("agency", name)
        scheme = "usaspending-agency" if level == "agency" else "usaspending-subtier"
        keys = [f"{scheme}:{code}"] if code else []
    return run.actor(key=key, slug=slug, cls="GovernmentAgency", label=name, keys=keys, types=AGENCY_TYPES), name


def _agency_chain(run: ImportRun, levels: list[tuple[str, str]], quote: str, locator: str, who: str):
    """(code, name) for agency, sub-agency, office -> the most specific node; SubUnit links."""
    nodes: list[tuple] = []
    for (code, name), level in zip(levels, ("agency", "subtier", "office")):
        if not (name or "").strip():
            continue
        iri, label = _agency(run, code, name, level)
        if not nodes or nodes[-1][0] != iri:
            nodes.append((iri, label))
    for (parent, p_name), (child, c_name) in zip(nodes, nodes[1:]):
        run.link("SubUnit", child, parent, quote, locator,
                 f"USAspending lists the {who} office under its sub-agency and the sub-agency under its agency; "
                 "a sub-agency named like its agency is the agency itself.", (c_name, p_name))
    return nodes[-1][0] if nodes else None


def _agencies(run: ImportRun, row: dict, who: str, locator: str, prefix: str = ""):
    p = f"{prefix}{who}"
    levels = [(row.get(f"{p}_agency_code", ""), row.get(f"{p}_agency_name", "")),
              (row.get(f"{p}_sub_agency_code", ""), row.get(f"{p}_sub_agency_name", "")),
              (row.get(f"{p}_office_code", ""), row.get(f"{p}_office_name", ""))]
    # A chain seen before writes nothing again (its agencies, aliases and links are all known to
    # this run): remember its result instead of resolving it once more on every row.
    memo = run.__dict__.setdefault("_agency_chains", {})
    key = (who, *levels)
    if key in memo:
        return memo[key]
    quote = _quote(row, [f"{p}_{lvl}_{w}" for lvl in ("agency", "sub_agency", "office") for w in ("code", "name")])
    iri = _agency_chain(run, levels, quote, locator, who)
    if len(memo) > 100_000:
        memo.clear()
    memo[key] = iri
    return iri


def _parent(run: ImportRun, child, uei: str, p_uei: str, p_name: str, p_raw: str, quote: str, locator: str,
            child_name: str = "", company: bool = True) -> None:
    p_uei = (p_uei or "").strip().upper()
    if child is None or not p_uei or p_uei == (uei or "").strip().upper():
        return  # no parent, or the recipient is its own parent
    parent, parent_name = _recipient(run, uei=p_uei, name=p_name, raw=p_raw, company=company)
    if parent is not None:
        run.link("Subsidiary", child, parent, quote, locator,
                 "USAspending names this parent (by UEI) for the recipient, as registered in SAM.gov at the "
                 "time of the record; parent names are snapshots in time.", (child_name, parent_name))


def _place(run: ImportRun, row: dict, prefix: str = "primary_place_of_performance_"):
    city = row.get(prefix + "city_name", "")
    state = row.get(prefix + "state_name", "")
    country = row.get(prefix + "country_name", "")
    codes = [city, row.get(prefix + "state_code", "") or state, row.get(prefix + "country_code", "") or country]
    return run.place([city, state, country], codes)


def _day(row: dict, column: str):
    return parse_day(row.get(column, ""), column)


def _award_record(run: ImportRun, row: dict, locator: str) -> dict:
    """Everything about the award that one row says (entities resolved), JSON-serialisable."""
    key = (row.get("contract_award_unique_key") or "").strip()
    if not key:
        raise RowError("no contract_award_unique_key", "contract_award_unique_key", "")
    if not (row.get("awarding_agency_name") or "").strip():
        raise RowError("no awarding agency (awarding_agency_name is empty)", "awarding_agency_name", "")
    if not ((row.get("recipient_uei") or "").strip() or (row.get("recipient_name") or row.get("recipient_name_raw") or "").strip()):
        raise RowError("no recipient (recipient_uei and recipient_name are empty)", "recipient_name", "")
    rec = {
        "key": key,
        "piid": (row.get("award_id_piid") or "").strip(),
        "parent": (row.get("parent_award_id_piid") or "").strip(),
        "offers": _offers(row),
        "extent": (row.get("extent_competed") or "").strip(),
        "naics": (row.get("naics_code") or "").strip(),
        "psc": (row.get("product_or_service_code") or "").strip(),
        "type": (row.get("award_type") or row.get("idv_type") or "").strip(),
        "purpose": (row.get("prime_award_base_transaction_description") or "").strip(),
        "start": _day(row, "period_of_performance_start_date"),
        "end": _day(row, "period_of_performance_current_end_date"),
        "potential_end": _day(row, "period_of_performance_potential_end_date"),
        "current": _money_text(row, "current_total_value_of_award"),
        "potential": _money_text(row, "potential_total_value_of_award"),
    }
    uei = row.get("recipient_uei", "")
    contractor, name = _recipient(
        run, uei=uei, name=row.get("recipient_name", ""), raw=row.get("recipient_name_raw", ""),
        dba=row.get("recipient_doing_business_as_name", ""), cage=row.get("cage_code", ""),
        duns=row.get("recipient_duns", ""), company=_is_company(row))
    _parent(run, contractor, uei, row.get("recipient_parent_uei", ""), row.get("recipient_parent_name", ""),
            row.get("recipient_parent_name_raw", ""),
            _quote(row, ("recipient_uei", "recipient_name", "recipient_parent_uei", "recipient_parent_name")), locator,
            name, _is_company(row))
    rec["contractor"] = str(contractor)
    rec["recipient_name"] = name
    rec["awarding"] = str(_agencies(run, row, "awarding", locator) or "")
    funding = _agencies(run, row, "funding", locator)
    rec["funding"] = str(funding or "")
    place = _place(run, row)
    rec["place"] = str(place or "")
    return rec


def _money_text(row: dict, column: str) -> str | None:
    amount = parse_amount(row.get(column, ""), column)
    return None if amount is None else str(amount)


_QUOTE_COLUMNS = (
    "contract_award_unique_key", "award_id_piid", "parent_award_id_piid", "award_type", "recipient_name",
    "recipient_uei", "recipient_parent_name", "recipient_parent_uei", "awarding_agency_name",
    "awarding_sub_agency_name", "awarding_office_name", "funding_agency_name", "total_obligated_amount",
    "current_total_value_of_award", "potential_total_value_of_award", "award_base_action_date",
    "period_of_performance_start_date", "period_of_performance_current_end_date",
    "period_of_performance_potential_end_date", "number_of_offers_received", "extent_competed", "naics_code",
    "naics_description", "product_or_service_code", "product_or_service_code_description",
    "primary_place_of_performance_city_name", "primary_place_of_performance_state_name",
    "primary_place_of_performance_country_name", "prime_award_base_transaction_description",
)


def _emit_award(run: ImportRun, rec: dict, *, quote: str, locator: str, where: str,
                obligated: Decimal | None = None, at_award: Decimal | None = None, date: str | None = None,
                transactions: int | None = None, inference: str | None = None) -> None:
    values: list[tuple] = [("awardingAgency", URIRef(rec["awarding"])), ("contractor", URIRef(rec["contractor"]))]
    if rec.get("funding"):
        values.append(("fundingAgency", URIRef(rec["funding"])))
    # Lit, not rdflib's Literal: a tenth of the cost, the same N-Quads (see graph.importers.nquads)
    values.append(("awardKey", Lit(rec["key"])))
    if rec.get("piid"):
        values.append(("contractNumber", Lit(rec["piid"])))
    if rec.get("parent"):
        values.append(("parentAward", Lit(rec["parent"])))
    if rec.get("type"):
        values.append(("vehicle", Lit(rec["type"])))
    if rec.get("offers") is not None:
        values.append(("offers", Lit(str(int(rec["offers"])), datatype=XSD.integer)))
    for prop, k in (("extentCompeted", "extent"), ("naicsCode", "naics"), ("pscCode", "psc")):
        if rec.get(k):
            values.append((prop, Lit(rec[k])))
    if rec.get("purpose"):
        values.append(("purpose", Lit(rec["purpose"], "en")))
    if rec.get("place"):
        values.append(("placeOfPerformance", URIRef(rec["place"])))
    start, end = rec.get("start"), rec.get("end")
    if start and end and end < start:
        run.problem(where, "dropped", f"period_of_performance_current_end_date {end} is before the start date {start}",
                    "period_of_performance_current_end_date", end)
        end = None
    potential_end = rec.get("potential_end")
    if start and potential_end and potential_end < start:
        run.problem(where, "dropped", f"period_of_performance_potential_end_date {potential_end} is before the start date {start}",
                    "period_of_performance_potential_end_date", potential_end)
        potential_end = None
    for prop, day in (("startDate", start), ("endDate", end), ("potentialEndDate", potential_end), ("date", date)):
        if day:
            values.append((prop, Lit(day, datatype=XSD.date)))
    for prop, amount, column in (
        ("obligatedAmount", obligated, "obligated amount"), ("obligatedAtAward", at_award, "obligation at award"),
        ("currentValue", rec.get("current"), "current_total_value_of_award"),
        ("potentialValue", rec.get("potential"), "potential_total_value_of_award"),
    ):
        if amount is None:
            continue
        amount = Decimal(amount)
        if amount < 0:
            run.problem(where, "dropped", f"{column} is negative ({amount}): amounts are never negative", column, str(amount))
            continue
        values.append((prop, amount))
    if transactions is not None:
        values.append(("transactionCount", Lit(str(int(transactions)), datatype=XSD.integer)))
    label = f"{rec.get('type') or 'Award'} {rec.get('piid') or rec['key']} to {rec.get('recipient_name') or 'recipient'}"
    slug = f"usaspending-{slugify(rec['key'])}"
    first = run.first_locator(slug)
    if first:
        run.problem(where, "skipped", f"award {rec['key']} is listed again: this source already gave it at {first}")
        return
    run.fact(slug=slug, cls="Contract", label=label, quote=quote, locator=locator, values=values, inference=inference)
    run.result.records += 1


# --------------------------------------------------------------------------- CSV


def _rows(run: ImportRun, path: Path, layout_cb) -> Iterator[tuple[int, dict]]:
    """Yield (row number, row as dict) for the data rows of ``path`` (row 1 is the header);
    reject rows of the wrong width; raise DataError for a file cut short."""
    counter, text = run.open(path)
    with text:
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError("empty file: expected a USAspending CSV header", file=str(path), line=1) from None
        except csv.Error as exc:
            raise DataError(f"malformed CSV header: {exc}", file=str(path), line=1) from None
        header = [h.strip() for h in header]
        layout_cb(header)
        width = len(header)
        n = 1
        pending = None
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                n += 1
                run.problem(f"row {n}", "rejected", f"malformed CSV: {exc}")
                continue
            n += 1
            if pending is not None:
                yield pending
                pending = None
            if len(cells) != width:
                if not cells:
                    continue
                pending = ("short", n, cells)
                continue
            pending = ("ok", n, cells)
            if n % 2000 == 0:
                run.tick(n - 1, counter.count)
        if pending is not None:
            status, n_last, cells = pending
            if status == "short":  # cut short (after a newline, even inside a quoted multi-line field)
                ending = "" if counter.last in (b"\n", b"\r") else " and the file does not end with a newline"
                raise DataError(
                    f"truncated: the last row has {len(cells)} of {width} fields{ending}; the file is incomplete "
                    "(download it again)", file=str(path), line=n_last)
            yield pending
        run.tick(n - 1, counter.count)


def _iter_csv(run: ImportRun, path: Path, on_layout) -> Iterator[tuple[int, dict]]:
    """Yield (row number, row dict) for the well-formed data rows of ``path``."""
    header: list[str] = []

    def got_header(h: list[str]) -> Layout:
        header[:] = h
        return on_layout(layout_of(h, str(path)))

    for status, n, cells in _rows(run, path, got_header):
        if status == "short":
            run.result.rows += 1  # read, and rejected
            run.problem(f"row {n}", "rejected", f"row has {len(cells)} fields, the header has {len(header)}")
            continue
        try:
            check_cells(header, cells)
        except RowError as exc:
            run.result.rows += 1
            run.problem(f"row {n}", "rejected", str(exc), exc.column, exc.value)
            continue
        yield n, dict(zip(header, cells))


def _import_summary_row(run: ImportRun, n: int, row: dict) -> None:
    where = f"row {n}"
    loc = run.locator(where)
    # every value checked before anything is written: a rejected row leaves no agency, no link
    obligated = parse_amount(row.get("total_obligated_amount", ""), "total_obligated_amount")
    date = _day(row, "award_base_action_date")
    rec = _award_record(run, row, loc)
    _emit_award(run, rec, quote=_quote(row, _QUOTE_COLUMNS), locator=loc, where=where, obligated=obligated, date=date)


class _Transactions:
    """Aggregate transaction rows by award on disk (SQLite), then write one fact per award."""

    def __init__(self, run: ImportRun):
        self.run = run
        self.db = run.store.db
        self.db.execute(
            "CREATE TABLE awards (key TEXT PRIMARY KEY, seq INTEGER, first_loc TEXT, last_loc TEXT, n INTEGER, "
            "total TEXT, mods INTEGER, base TEXT, base_loc TEXT, base_date TEXT, latest_sort TEXT, record TEXT, "
            "quote TEXT, bad TEXT, latest_loc TEXT, spread TEXT)")
        self.db.execute("CREATE TABLE mods (key TEXT, mod TEXT, PRIMARY KEY (key, mod)) WITHOUT ROWID")
        self.seq = 0

    def add(self, n: int, row: dict) -> None:
        run = self.run
        where = f"row {n}"
        key = (row.get("contract_award_unique_key") or "").strip()
        try:
            obligation = parse_amount(row.get("federal_action_obligation", ""), "federal_action_obligation")
            action_date = _day(row, "action_date")
            rec = _award_record(run, row, run.locator(where))
        except RowError as exc:
            run.problem(where, "rejected", str(exc), exc.column, exc.value)
            if key:
                self._mark_bad(key, where)
            return
        mod = (row.get("modification_number") or "").strip()
        loc = run.locator(where)
        sort = f"{action_date or ''}|{(row.get('last_modified_date') or '').strip()}|{n:012d}"
        cur = self.db.execute("SELECT total, n, latest_sort, spread FROM awards WHERE key = ?", (key,)).fetchone()
        values = {k: rec[k] for k in ("current", "potential") if rec.get(k) is not None}
        is_base = mod in ("0", "") and (row.get("transaction_number") or "0").strip() == "0"
        quote = _quote(row, _QUOTE_COLUMNS)
        if cur is None:
            self.seq += 1
            self.db.execute(
                "INSERT INTO awards VALUES (?, ?, ?, ?, 1, ?, 0, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                (key, self.seq, loc, loc, str(obligation or 0), str(obligation or 0) if is_base else None,
                 loc if is_base else None, action_date if is_base else None, sort, json.dumps(rec), quote, loc,
                 json.dumps({k: [v, v] for k, v in values.items()})))
        else:
            total = Decimal(cur[0]) + (obligation or 0)
            self.db.execute("UPDATE awards SET total = ?, n = n + 1, last_loc = ? WHERE key = ?", (str(total), loc, key))
            if sort > cur[2]:
                self.db.execute("UPDATE awards SET latest_sort = ?, record = ?, quote = ?, latest_loc = ? WHERE key = ?",
                                (sort, json.dumps(rec), quote, loc, key))
            spread = json.loads(cur[3] or "{}")
            wider = False
            for k, v in values.items():  # the lowest and highest award-level value of the rows
                lo, hi = spread.get(k, [v, v])
                new = [min(lo, v, key=Decimal), max(hi, v, key=Decimal)]
                if new != spread.get(k):
                    spread[k], wider = new, True
            if wider:
                self.db.execute("UPDATE awards SET spread = ? WHERE key = ?", (json.dumps(spread), key))
            if is_base:
                self.db.execute("UPDATE awards SET base = ?, base_loc = ?, base_date = ? WHERE key = ?",
                                (str(obligation or 0), loc, action_date, key))
        if self.db.execute("INSERT OR IGNORE INTO mods VALUES (?, ?)", (key, mod)).rowcount:
            self.db.execute("UPDATE awards SET mods = mods + 1 WHERE key = ?", (key,))

    def _mark_bad(self, key: str, where: str) -> None:
        cur = self.db.execute("SELECT bad FROM awards WHERE key = ?", (key,)).fetchone()
        if cur is None:
            self.seq += 1
            self.db.execute("INSERT INTO awards (key, seq, n, mods, total, bad) VALUES (?, ?, 0, 0, '0', ?)",
                            (key, self.seq, where))
        else:
            self.db.execute("UPDATE awards SET bad = ? WHERE key = ?", (((cur[0] + ", ") if cur[0] else "") + where, key))

    def finish(self) -> None:
        run = self.run
        for (key, first_loc, last_loc, n, total, mods, base, base_loc, base_date, rec_text, quote, bad, latest_loc,
             spread) in self.db.execute(
            "SELECT key, first_loc, last_loc, n, total, mods, base, base_loc, base_date, record, quote, bad, "
            "latest_loc, spread FROM awards ORDER BY seq"
        ).fetchall():
            if bad:
                run.problem(bad.split(",")[0], "skipped",
                            f"award {key} not imported: its row(s) {bad} were rejected, so the sum of its "
                            f"obligations would be incomplete")
                continue
            rec = json.loads(rec_text)
            span = first_loc if n == 1 else f"{n} rows, {first_loc} to {last_loc}"
            summary = (f"{n} transaction row(s), {mods} distinct modification_number(s); "
                       f"sum of federal_action_obligation = {Decimal(total):,}")
            if base is not None:
                summary += f"; base award (modification 0, {base_loc}): federal_action_obligation={base}, action_date={base_date}"
            obligated = Decimal(total)
            inference = ("Obligated amount: the sum of federal_action_obligation over the rows of this source "
                         "(for a download limited to a period, the obligations of that period). Current and "
                         f"potential values: award-level values of the latest row ({latest_loc}), not summed; the "
                         "latest row is the one with the greatest action_date, then last_modified_date, then "
                         "row number.")
            disagree = [f"{c}_total_value_of_award from {Decimal(lo):,} to {Decimal(hi):,}"
                        for c, (lo, hi) in sorted(json.loads(spread or "{}").items()) if Decimal(lo) != Decimal(hi)]
            if disagree:
                inference += " The rows disagree: " + "; ".join(disagree) + f"; the value of {latest_loc} is kept."
            if obligated < 0:
                run.problem(first_loc, "dropped", f"the net obligation of award {key} in this source is negative "
                            f"({obligated}): not recorded as an amount", "federal_action_obligation", str(obligated))
                obligated = None
            _emit_award(run, rec, quote=f"{summary}; latest row ({latest_loc}): {quote}", locator=span, where=first_loc,
                        obligated=obligated, at_award=Decimal(base) if base is not None else None, date=base_date,
                        transactions=n, inference=inference)


def _import_subaward_row(run: ImportRun, n: int, row: dict) -> None:
    where = f"row {n}"
    loc = run.locator(where)
    prime_key = (row.get("prime_award_unique_key") or "").strip()
    if not prime_key:
        raise RowError("no prime_award_unique_key", "prime_award_unique_key", "")
    sub_name = (row.get("subawardee_name") or "").strip()
    if not sub_name and not (row.get("subawardee_uei") or "").strip():
        raise RowError("no sub-recipient (subawardee_uei and subawardee_name are empty)", "subawardee_name", "")
    amount = parse_amount(row.get("subaward_amount", ""), "subaward_amount")
    action = _day(row, "subaward_action_date")
    # the prime award, as this file states it
    p_uei = row.get("prime_awardee_uei", "")
    prime, prime_name = _recipient(run, uei=p_uei, name=row.get("prime_awardee_name", ""),
                                   dba=row.get("prime_awardee_dba_name", ""), duns=row.get("prime_awardee_duns", ""),
                                   company=_is_company(row, "prime_awardee_"))
    if prime is None:
        raise RowError("no prime recipient (prime_awardee_uei and prime_awardee_name are empty)", "prime_awardee_name", "")
    _parent(run, prime, p_uei, row.get("prime_awardee_parent_uei", ""), row.get("prime_awardee_parent_name", ""), "",
            _quote(row, ("prime_awardee_uei", "prime_awardee_name", "prime_awardee_parent_uei", "prime_awardee_parent_name")), loc,
            prime_name, _is_company(row, "prime_awardee_"))
    awarding = _agencies(run, row, "awarding", loc, prefix="prime_award_")
    funding = _agencies(run, row, "funding", loc, prefix="prime_award_")
    if awarding is None:
        raise RowError("no awarding agency (prime_award_awarding_agency_name is empty)", "prime_award_awarding_agency_name", "")
    prime_fact = f"usaspending-{slugify(prime_key)}"
    values = [("awardingAgency", awarding), ("contractor", prime), ("fundingAgency", funding),
              ("awardKey", Literal(prime_key))]
    for prop, col in (("contractNumber", "prime_award_piid"), ("parentAward", "prime_award_parent_piid"),
                      ("naicsCode", "prime_award_naics_code")):
        if (row.get(col) or "").strip():
            values.append((prop, Literal(row[col].strip())))
    desc = (row.get("prime_award_base_transaction_description") or "").strip()
    if desc:
        values.append(("purpose", Literal(desc, lang="en")))
    prime_cols = ("prime_award_unique_key", "prime_award_piid", "prime_award_parent_piid", "prime_awardee_name",
                  "prime_awardee_uei", "prime_award_awarding_agency_name", "prime_award_awarding_sub_agency_name",
                  "prime_award_awarding_office_name", "prime_award_naics_code", "prime_award_base_transaction_description")
    run.fact(slug=prime_fact, cls="Contract",
             label=f"Award {(row.get('prime_award_piid') or prime_key).strip()} to {prime_name}",
             quote=_quote(row, prime_cols), locator=loc, values=values,
             inference="The prime award as the sub-award file describes it (its amounts there are snapshots, not recorded).")
    s_uei = row.get("subawardee_uei", "")
    # Sub-award files very often give the *prime's* name as the sub-recipient's DBA name, on
    # every row: that is not a name of the sub-recipient (an alias would merge it into the prime).
    dba = (row.get("subawardee_dba_name") or "").strip()
    if dba and normalise(dba) in {normalise(n) for n in (prime_name, row.get("prime_awardee_name") or "",
                                                         row.get("prime_awardee_dba_name") or "") if n}:
        dba = ""
    sub, sub_label = _recipient(run, uei=s_uei, name=sub_name, dba=dba,
                                duns=row.get("subawardee_duns", ""), company=_is_company(row, "subawardee_"))
    _parent(run, sub, s_uei, row.get("subawardee_parent_uei", ""), row.get("subawardee_parent_name", ""), "",
            _quote(row, ("subawardee_uei", "subawardee_name", "subawardee_parent_uei", "subawardee_parent_name")), loc,
            sub_label, _is_company(row, "subawardee_"))
    place = _place(run, row, "subaward_primary_place_of_performance_")
    sub_values: list[tuple] = [("primeRecipient", prime), ("subRecipient", sub), ("primeAward", FACT[prime_fact])]
    if amount is not None:
        if amount < 0:
            run.problem(where, "dropped", f"subaward_amount is negative ({amount})", "subaward_amount", str(amount))
        else:
            sub_values.append(("value", amount))
    if action:
        sub_values.append(("date", Literal(action, datatype=XSD.date)))
    if (row.get("subaward_description") or "").strip():
        sub_values.append(("purpose", Literal(row["subaward_description"].strip(), lang="en")))
    if place is not None:
        sub_values.append(("place", place))
    ident = (row.get("subaward_sam_report_id") or "").strip() or f"{row.get('subaward_number', '')}-{n}"
    number = (row.get("subaward_number") or "").strip()
    run.fact(
        slug=f"usaspending-subaward-{slugify(prime_key, 60)}-{slugify(ident, 40)}", cls="Subaward",
        label=f"Sub-award {number} from {prime_name} to {sub_label}".replace("  ", " "),
        quote=_quote(row, ("prime_award_unique_key", "prime_award_piid", "prime_awardee_name", "subaward_type",
                           "subaward_number", "subaward_sam_report_id", "subaward_amount", "subaward_action_date",
                           "subawardee_name", "subawardee_uei", "subawardee_parent_name", "subaward_description")),
        locator=loc, values=sub_values)
    run.result.records += 1


def _import_csv(run: ImportRun) -> None:
    state: dict = {}
    agg = None

    def on_layout(layout: Layout) -> None:
        previous = state.get("layout")
        if previous is not None and previous.name != layout.name:
            raise DataError(f"the parts of one download must have one layout ({previous.title} then {layout.title})",
                            file=str(run.current_file), line=1)
        state["layout"] = layout
        run.dataset = layout.title
        return layout

    done = 0
    for path in run.files:
        run.next_file(path, done)
        done = path.stat().st_size
        for n, row in _iter_csv(run, path, on_layout):
            run.result.rows += 1
            layout = state["layout"]
            try:
                if layout.name == "transactions":
                    if agg is None:
                        agg = _Transactions(run)
                    agg.add(n, row)
                elif layout.name == "summary":
                    _import_summary_row(run, n, row)
                else:
                    _import_subaward_row(run, n, row)
            except RowError as exc:
                run.problem(f"row {n}", "rejected", str(exc), exc.column, exc.value)
    if agg is not None:
        agg.finish()


# --------------------------------------------------------------------------- API JSON


def _name_code(d) -> tuple[str, str]:
    if not isinstance(d, dict):
        return "", ""
    return str(d.get("code") or ""), str(d.get("name") or "")


def _api_award(run: ImportRun, doc: dict, where: str) -> None:
    """``GET /api/v2/awards/<id>/``."""
    key = str(doc.get("generated_unique_award_id") or "")
    if not key:
        raise RowError("no generated_unique_award_id", "generated_unique_award_id", "")
    r = doc.get("recipient") or {}
    latest = doc.get("latest_transaction_contract_data") or {}
    cats = " ".join(r.get("business_categories") or []).lower()
    company = not any(w in cats for w in ("nonprofit", "higher education", "government"))
    contractor, name = _recipient(run, uei=r.get("recipient_uei") or "", name=r.get("recipient_name") or "",
                                  duns=r.get("recipient_unique_id") or "", company=company)
    if contractor is None:
        raise RowError("no recipient", "recipient", "")
    _parent(run, contractor, r.get("recipient_uei") or "", r.get("parent_recipient_uei") or "",
            r.get("parent_recipient_name") or "", "",
            f"recipient_uei={r.get('recipient_uei')}; recipient_name={r.get('recipient_name')}; "
            f"parent_recipient_uei={r.get('parent_recipient_uei')}; parent_recipient_name={r.get('parent_recipient_name')}",
            where, name, company)
    agencies = {}
    for who in ("awarding", "funding"):
        a = doc.get(f"{who}_agency") or {}
        levels = [_name_code(a.get("toptier_agency")), _name_code(a.get("subtier_agency"))]
        q = f"{who}_agency.toptier_agency.name={levels[0][1]}; {who}_agency.subtier_agency.name={levels[1][1]}"
        agencies[who] = _agency_chain(run, levels, q, where, who)
    if agencies["awarding"] is None:
        raise RowError("no awarding agency", "awarding_agency", "")
    pop = doc.get("place_of_performance") or {}
    place = run.place([pop.get("city_name") or "", pop.get("state_name") or "", pop.get("country_name") or ""],
                      [pop.get("city_name") or "", pop.get("state_code") or "", pop.get("location_country_code") or ""])
    period = doc.get("period_of_performance") or {}
    parent = doc.get("parent_award") or {}
    rec = {
        "key": key, "piid": str(doc.get("piid") or ""),
        "parent": str(parent.get("piid") or "") if isinstance(parent, dict) else "",
        "offers": _offers(latest), "extent": str(latest.get("extent_competed_description") or ""),
        "naics": str(latest.get("naics") or ""), "psc": str(latest.get("product_or_service_code") or ""),
        "type": str(doc.get("type_description") or ""), "purpose": str(doc.get("description") or ""),
        "start": parse_day(period.get("start_date") or "", "period_of_performance.start_date"),
        "end": parse_day(period.get("end_date") or "", "period_of_performance.end_date"),
        "potential_end": parse_day(period.get("potential_end_date") or "", "period_of_performance.potential_end_date"),
        "current": _num(doc, "base_exercised_options"), "potential": _num(doc, "base_and_all_options"),
        "contractor": str(contractor), "recipient_name": name, "awarding": str(agencies["awarding"]),
        "funding": str(agencies["funding"] or ""), "place": str(place or ""),
    }
    quote = "; ".join(f"{k}={v}" for k, v in (
        ("generated_unique_award_id", key), ("piid", doc.get("piid")), ("type_description", doc.get("type_description")),
        ("recipient.recipient_name", r.get("recipient_name")), ("recipient.recipient_uei", r.get("recipient_uei")),
        ("awarding_agency.office_agency_name", (doc.get("awarding_agency") or {}).get("office_agency_name")),
        ("total_obligation", doc.get("total_obligation")), ("base_exercised_options", doc.get("base_exercised_options")),
        ("base_and_all_options", doc.get("base_and_all_options")), ("date_signed", doc.get("date_signed")),
        ("number_of_offers_received", latest.get("number_of_offers_received")),
        ("extent_competed_description", latest.get("extent_competed_description")),
        ("description", (str(doc.get("description") or "")[:299] + "…") if len(str(doc.get("description") or "")) > 300 else doc.get("description")),
    ) if v not in (None, ""))
    _emit_award(run, rec, quote=quote, locator=where, where=where, obligated=_num(doc, "total_obligation", True),
                date=parse_day(str(doc.get("date_signed") or ""), "date_signed"))


def _num(doc: dict, key: str, as_decimal: bool = False):
    v = doc.get(key)
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise RowError(f"{key}: {v!r} is not a number", key, str(v))
    amount = parse_amount(str(v), key)
    return amount if as_decimal else (None if amount is None else str(amount))


def _api_result(run: ImportRun, item: dict, where: str) -> None:
    """One item of ``spending_by_award`` results."""
    if not isinstance(item, dict):
        raise RowError("a result is not an object")
    key = str(item.get("generated_internal_id") or "")
    if not key:
        raise RowError("no generated_internal_id (request it in 'fields')", "generated_internal_id", "")
    contractor, name = _recipient(run, uei=item.get("Recipient UEI") or "", name=item.get("Recipient Name") or "")
    if contractor is None:
        raise RowError("no recipient (Recipient Name, Recipient UEI)", "Recipient Name", "")
    agencies = {}
    for who, label in (("awarding", "Awarding"), ("funding", "Funding")):
        levels = [(str(item.get(f"{label} Agency Code") or ""), str(item.get(f"{label} Agency") or "")),
                  (str(item.get(f"{label} Sub Agency Code") or ""), str(item.get(f"{label} Sub Agency") or ""))]
        q = f"{label} Agency={levels[0][1]}; {label} Sub Agency={levels[1][1]}"
        agencies[who] = _agency_chain(run, levels, q, where, who)
    if agencies["awarding"] is None:
        raise RowError("no awarding agency (Awarding Agency)", "Awarding Agency", "")
    pop = item.get("Primary Place of Performance") or {}
    place = run.place([pop.get("city_name") or "", pop.get("state_name") or "", pop.get("country_name") or ""],
                      [pop.get("city_name") or "", pop.get("state_code") or "", pop.get("location_country_code") or ""]) if isinstance(pop, dict) else None

    def code(v):
        return str(v.get("code") or "") if isinstance(v, dict) else str(v or "")

    rec = {
        "key": key, "piid": str(item.get("Award ID") or ""), "parent": "", "offers": None, "extent": "",
        "naics": code(item.get("NAICS")), "psc": code(item.get("PSC")),
        "type": str(item.get("Contract Award Type") or ""), "purpose": str(item.get("Description") or ""),
        "start": parse_day(str(item.get("Start Date") or ""), "Start Date"),
        "end": parse_day(str(item.get("End Date") or ""), "End Date"), "potential_end": None,
        "current": None, "potential": None, "contractor": str(contractor), "recipient_name": name,
        "awarding": str(agencies["awarding"]), "funding": str(agencies["funding"] or ""), "place": str(place or ""),
    }
    quote = "; ".join(f"{k}={v}" for k, v in item.items()
                      if not isinstance(v, (dict, list)) and v not in (None, "") and k not in ("internal_id", "recipient_id", "awarding_agency_id", "agency_slug"))
    _emit_award(run, rec, quote=quote, locator=where, where=where, obligated=_num(item, "Award Amount", True),
                date=parse_day(str(item.get("Base Obligation Date") or ""), "Base Obligation Date"),
                inference="'Award Amount' of a contract in spending_by_award is its total obligation.")


def _check_results(item, path: Path) -> None:
    """Refuse ``results[]`` that are not awards of ``spending_by_award`` (another endpoint:
    categories, transactions, ...): every row would be rejected, the source emptied."""
    if isinstance(item, dict) and ("generated_internal_id" in item or "Award ID" in item) \
            and "Transaction Amount" not in item:
        return
    keys = ", ".join(list(item)[:6]) if isinstance(item, dict) else type(item).__name__
    raise DataError("not a spending_by_award response: its results are not awards (the first has the keys "
                    f"{keys}; expected Award ID and generated_internal_id)", file=str(path))


def _import_json(run: ImportRun) -> None:
    for path in run.files:
        run.next_file(path, 0)
        top: dict = {}
        counter, text = run.open(path)
        kind = None
        with text:
            try:
                for ptr, value in iter_json(text, stream=("results",)):
                    if ptr.startswith("/results/"):
                        if kind is None:
                            if isinstance(value, dict) and "recipient_level" in value:
                                raise DataError("a USAspending recipient search response: it lists recipients, not "
                                                "awards (not supported)", file=str(path))
                            _check_results(value, path)
                            kind = "results"
                            run.dataset = "USAspending API v2 spending_by_award"
                        run.result.rows += 1
                        try:
                            check_record(value, ptr)
                            _api_result(run, value, ptr)
                        except RowError as exc:
                            run.problem(ptr, "rejected", str(exc), exc.column, exc.value)
                        if run.result.rows % 500 == 0:
                            run.tick(run.result.rows, counter.count)
                    else:
                        top[ptr[1:]] = value
            except JSONProblem as exc:
                raise DataError(str(exc), file=str(path), line=exc.line) from None
        if kind is None:
            if "generated_unique_award_id" not in top:
                keys = ", ".join(list(top)[:5]) or "none"
                raise DataError("not a USAspending API award response: expected generated_unique_award_id (an "
                                f"/api/v2/awards/<id>/ answer) or results[] (spending_by_award); top-level keys: {keys}",
                                file=str(path))
            run.dataset = "USAspending API v2 award"
            run.result.rows += 1
            try:
                check_record(top)
                _api_award(run, top, "/")
            except RowError as exc:
                run.problem("/", "rejected", str(exc), exc.column, exc.value)


def import_files(run: ImportRun) -> None:
    """Import the files of ``run`` (CSV downloads or API JSON) into its source graph."""
    first = run.files[0]
    with open(first, "rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        _import_json(run)
    else:
        _import_csv(run)
