"""Import Open Contracting Data Standard (OCDS) release and record packages.

Each award becomes a ``dai:Contract`` (``fact/ocds-<ocid>-<award id>``): the procuring
entity (or the buyer) is its awarding agency, the buyer its funding agency, each supplier a
contractor; ``tender.numberOfTenderers`` gives the offers; the award's (or its contract's)
value, dates and periods give the value, date, start, end and maximum extent. A release
package may hold several releases of one contracting process: they are merged in ``date``
order, a later release's values winning and earlier ones filling what it leaves out; the records of a record package are read from their
``compiledRelease``. Awards are read whatever the release's ``tag`` (a release tagged
``tender`` can hold awards). Contact points (names, e-mail addresses, telephones) are
never copied.

Parties are identified by their ``identifier`` (``scheme-id``, as in org-id.guide) when it
is given; party ``id`` values such as ``"1"`` are local to a release, so a party without an
identifier is identified by its normalised name within the publisher's ``ocid`` prefix.

Example
-------
>>> party_key({"identifier": {"scheme": "GB-COH", "id": "11111111.0"}}, "ocds-213czf-000-00001")
'ocds:GB-COH-11111111'
>>> party_key({"name": "Premier", "identifier": {"scheme": "", "id": ""}}, "ocds-b5fd17raw-0054a4e6")
'ocds-name:ocds-b5fd17raw:premier'
"""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal

from rdflib import XSD, Literal, URIRef

from graph.errors import DataError, shown
from graph.importers.base import ImportRun, RowError, check_record, parse_amount, parse_day, slugify
from graph.importers.jsonstream import JSONProblem, iter_json, iter_json_lines
from graph.importers.resolve import AGENCY_TYPES, normalise

__all__ = ["import_files", "party_key", "text_of"]

_COMPANY_FORMS = re.compile(r"\b(ltd|limited|plc|llc|inc|corp|corporation|gmbh|s\.?a\.?|llp)\.?$", re.I)


def party_key(party: dict, ocid: str) -> str:
    """The identity of an OCDS party: its org-id (``SCHEME-ID``), else its name in the
    publisher's ocid prefix."""
    ident = party.get("identifier") or {}
    scheme, pid = str(ident.get("scheme") or "").strip(), str(ident.get("id") or "").strip()
    if re.fullmatch(r"\d+\.0", pid):  # spreadsheet artefact: 11111111.0
        pid = pid[:-2]
    if scheme and pid:
        return f"ocds:{scheme}-{pid}"
    prefix = "-".join(ocid.split("-")[:2]) if ocid else "ocds"
    return f"ocds-name:{prefix}:{normalise(str(party.get('name') or ''))}"


def text_of(value) -> str:
    """A text of a release as a reader sees it: HTML entities (``&amp;``, ``&#39;``), which
    many publishers leave in their data, decoded; quotes keep the text as published.

    >>> text_of("Smith &amp; Sons Ltd "), text_of(None)
    ('Smith & Sons Ltd', '')
    """
    text = "" if value is None else str(value)
    return (html.unescape(text) if "&" in text else text).strip()


def _party(run: ImportRun, party: dict, ocid: str, role: str) -> URIRef | None:
    name = text_of(party.get("name") or (party.get("identifier") or {}).get("legalName"))
    if not name:
        return None
    key = party_key(party, ocid)
    legal = text_of((party.get("identifier") or {}).get("legalName"))
    aliases = [legal] if legal and legal != name else []
    for extra in party.get("additionalIdentifiers") or []:
        if isinstance(extra, dict) and extra.get("legalName"):
            aliases.append(text_of(extra["legalName"]))
    if role == "agency":
        return run.actor(key=key, slug=slugify(key.replace(":", "-"), 80), cls="GovernmentAgency", label=name,
                         aliases=aliases, types=AGENCY_TYPES)
    cls = "Company" if _COMPANY_FORMS.search(name) or _COMPANY_FORMS.search(legal) else "Organization"
    return run.actor(key=key, slug=slugify(key.replace(":", "-"), 80), cls=cls, label=name, aliases=aliases)


def _money(value) -> tuple[Decimal, str] | None:
    if not isinstance(value, dict) or value.get("amount") in (None, ""):
        return None
    amount = parse_amount(str(value["amount"]), "value.amount")
    currency = str(value.get("currency") or "").strip()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise RowError(f"value.currency: {currency!r} is not an ISO 4217 code", "value.currency", currency)
    return amount, currency


def _release_awards(run: ImportRun, release: dict, where: str) -> None:
    """Store each award of a release (the latest release of an award wins)."""
    if not isinstance(release, dict):
        raise RowError("a release is not an object")
    ocid = str(release.get("ocid") or "")
    if not ocid:
        raise RowError("no ocid", "ocid", "")
    date = str(release.get("date") or "")
    for i, award in enumerate(_typed(release.get("awards"), list, "awards") or []):
        if not isinstance(award, dict):
            continue
        award_id = str(award.get("id") or i)
        key = f"{ocid}/{award_id}"
        ptr = f"{where}/awards/{i}"
        row = run.store.db.execute("SELECT date, data FROM ocds_awards WHERE key = ?", (key,)).fetchone()
        if row is None:
            run.store.db.execute("INSERT INTO ocds_awards VALUES (?, ?, ?, ?, ?)",
                                 (key, run.result.rows, date, ptr, json.dumps(_compact(release, award))))
        else:  # compile: the later release's values win, the earlier ones fill what it leaves out
            old = json.loads(row[1])
            new = _compact(release, award)
            merged = _merge(old, new) if date >= row[0] else _merge(new, old)
            run.store.db.execute("UPDATE ocds_awards SET date = ?, ptr = ?, data = ? WHERE key = ?",
                                 (max(date, row[0]), ptr if date >= row[0] else _ptr(run, key), json.dumps(merged), key))


def _ptr(run: ImportRun, key: str) -> str:
    return run.store.db.execute("SELECT ptr FROM ocds_awards WHERE key = ?", (key,)).fetchone()[0]


def _merge(old, new):
    """OCDS-style merge of two compact records: ``new`` wins, except where it has no value."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for k, v in new.items():
            out[k] = _merge(old.get(k), v) if k in old else v
        return out
    return old if new in (None, "", [], {}) else new


_KINDS = {dict: "an object", list: "an array", str: "a string"}


def _typed(value, kind: type, where: str):
    """``value`` if it is of the JSON ``kind`` the standard gives the field (or absent);
    otherwise the release is rejected, naming the field.

    >>> _typed({"id": "1"}, dict, "tender")
    {'id': '1'}
    >>> try:
    ...     _typed("t", dict, "tender")
    ... except RowError as exc:
    ...     print(exc)
    tender: 't' is a string, not an object
    """
    if value is None or isinstance(value, kind):
        return value
    got = next((name for k, name in _KINDS.items() if isinstance(value, k)), "a number" if isinstance(value, (int, float)) else type(value).__name__)
    raise RowError(f"{where}: {shown(value, 40)} is {got}, not {_KINDS[kind]}", where, shown(value, 200, quote=False))


def _compact(release: dict, award: dict) -> dict:
    """What the importer needs of a release for one award (no contact points); a field of
    the wrong JSON type rejects the release (RowError naming it)."""
    parties = {}
    for i, p in enumerate(_typed(release.get("parties"), list, "parties") or []):
        if isinstance(p, dict):
            _typed(p.get("identifier"), dict, f"parties/{i}/identifier")
            _typed(p.get("additionalIdentifiers"), list, f"parties/{i}/additionalIdentifiers")
            _typed(p.get("roles"), list, f"parties/{i}/roles")
            parties[str(p.get("id"))] = {k: p.get(k) for k in ("id", "name", "identifier", "additionalIdentifiers", "roles")}
    _typed(release.get("buyer"), dict, "buyer")
    tender = _typed(release.get("tender"), dict, "tender") or {}
    _typed(tender.get("procuringEntity"), dict, "tender/procuringEntity")
    for k, kind in (("value", dict), ("suppliers", list), ("contractPeriod", dict)):
        _typed(award.get(k), kind, f"awards/{award.get('id')}/{k}")
    contracts = [c for c in _typed(release.get("contracts"), list, "contracts") or []
                 if isinstance(c, dict) and str(c.get("awardID")) == str(award.get("id"))]
    for c in contracts:
        for k in ("value", "period"):
            _typed(c.get(k), dict, f"contracts/{c.get('id')}/{k}")
    return {
        "ocid": release.get("ocid"), "release": release.get("id"), "date": release.get("date"), "tag": release.get("tag"),
        "parties": parties, "buyer": release.get("buyer"),
        "tender": {k: tender.get(k) for k in ("id", "title", "numberOfTenderers", "procuringEntity", "value")},
        "award": {k: award.get(k) for k in ("id", "title", "description", "status", "date", "value", "suppliers", "contractPeriod")},
        "contracts": [{k: c.get(k) for k in ("id", "title", "status", "value", "period", "dateSigned")} for c in contracts],
    }


def _emit(run: ImportRun, c: dict, ptr: str) -> None:
    ocid = str(c["ocid"])
    parties = c["parties"]

    def resolve_ref(ref, role):
        if not isinstance(ref, dict):
            return None
        party = parties.get(str(ref.get("id"))) or {"name": ref.get("name"), "id": ref.get("id")}
        if not party.get("name") and ref.get("name"):
            party = {**party, "name": ref.get("name")}
        return _party(run, party, ocid, role)

    buyer = resolve_ref(c.get("buyer"), "agency")
    procuring = resolve_ref((c.get("tender") or {}).get("procuringEntity"), "agency")
    if buyer is None and procuring is None:  # fall back on the roles in parties
        for p in parties.values():
            if "buyer" in (p.get("roles") or []):
                buyer = _party(run, p, ocid, "agency")
            if "procuringEntity" in (p.get("roles") or []):
                procuring = _party(run, p, ocid, "agency")
    awarding = procuring or buyer
    if awarding is None:
        raise RowError("no buyer or procuring entity", "buyer", "")
    award = c["award"]
    suppliers = [s for s in (resolve_ref(ref, "supplier") for ref in award.get("suppliers") or []) if s is not None]
    if not suppliers:
        raise RowError(f"award {award.get('id')} has no supplier", "awards.suppliers", "")
    values: list[tuple] = [("awardingAgency", awarding)] + [("contractor", s) for s in suppliers]
    if buyer is not None:
        values.append(("fundingAgency", buyer))
    offers = (c.get("tender") or {}).get("numberOfTenderers")
    if offers not in (None, ""):
        if isinstance(offers, bool) or not isinstance(offers, int) or offers < 0:
            raise RowError(f"tender.numberOfTenderers: {offers!r} is not a whole number", "tender.numberOfTenderers", str(offers))
        values.append(("offers", Literal(str(int(offers)), datatype=XSD.integer)))
    contract = (c.get("contracts") or [None])[0]
    money = _money((contract or {}).get("value")) or _money(award.get("value"))
    where = ptr
    if money is not None:
        if money[0] < 0:
            run.problem(where, "dropped", f"negative value {money[0]}", "value.amount", str(money[0]))
        else:
            values.append(("value", money))
    period = (contract or {}).get("period") or award.get("contractPeriod") or {}
    start = parse_day(str(period.get("startDate") or ""), "period.startDate")
    end = parse_day(str(period.get("endDate") or ""), "period.endDate")
    extent = parse_day(str(period.get("maxExtentDate") or ""), "period.maxExtentDate")
    if start and end and end < start:
        run.problem(where, "dropped", f"period.endDate {end} is before period.startDate {start}", "period.endDate", end)
        end = None
    for prop, day in (("startDate", start), ("endDate", end), ("potentialEndDate", extent),
                      ("date", parse_day(str((contract or {}).get("dateSigned") or award.get("date") or ""), "date"))):
        if day and not (prop == "potentialEndDate" and start and day < start):
            values.append((prop, Literal(day, datatype=XSD.date)))
    values.append(("awardKey", Literal(f"{ocid}/{award.get('id')}")))
    if contract and contract.get("id"):
        values.append(("contractNumber", Literal(str(contract["id"]))))
    status = (contract or {}).get("status") or award.get("status")
    if status:
        values.append(("status", Literal(str(status))))
    text = award.get("title") or award.get("description") or (c.get("tender") or {}).get("title")
    if text:
        values.append(("purpose", Literal(text_of(text), lang="en")))
    supplier_names = "; ".join(str((parties.get(str(s.get("id"))) or s).get("name") or "") for s in award.get("suppliers") or [] if isinstance(s, dict))
    quote_parts = [
        ("ocid", ocid), ("release.id", c.get("release")), ("release.date", c.get("date")),
        ("release.tag", ",".join(c.get("tag") or [])),
        ("buyer.name", (c.get("buyer") or {}).get("name") if isinstance(c.get("buyer"), dict) else None),
        ("tender.title", (c.get("tender") or {}).get("title")), ("tender.numberOfTenderers", offers),
        ("award.id", award.get("id")), ("award.status", award.get("status")), ("award.date", award.get("date")),
        ("award.value", _show(award.get("value"))), ("award.suppliers", supplier_names),
        ("contract.id", (contract or {}).get("id")), ("contract.value", _show((contract or {}).get("value"))),
        ("contract.dateSigned", (contract or {}).get("dateSigned")),
    ]
    quote = "; ".join(f"{k}={v}" for k, v in quote_parts if v not in (None, ""))
    first = suppliers[0]
    label = f"Award {award.get('id')} ({ocid}) to {text_of(supplier_names.split('; ')[0]) or str(first).rsplit('/', 1)[1]}"
    if len(suppliers) > 1:
        label += f" and {len(suppliers) - 1} other supplier(s)"
    slug = f"ocds-{slugify(ocid, 60)}-{slugify(str(award.get('id')), 60)}"
    run.fact(slug=slug, cls="Contract", label=label, quote=quote, locator=ptr, values=values)
    run.result.records += 1


def _show(value) -> str | None:
    if isinstance(value, dict) and value.get("amount") not in (None, ""):
        return f"{value.get('amount')} {value.get('currency') or ''}".strip()
    return None


def _check_layout(item, where: str, path) -> None:
    """Refuse a file whose first release is not one (BODS statements, another API's JSON):
    every row would be rejected, and the source replaced by an empty one."""
    if isinstance(item, dict) and item.get("ocid"):
        return
    keys = ", ".join(list(item)[:6]) if isinstance(item, dict) else type(item).__name__
    if isinstance(item, dict) and ({"statementID", "statementId", "statementType", "recordType"} & set(item)):
        what = "Beneficial Ownership Data Standard (BODS) statements, not OCDS releases"
    else:
        what = f"not an OCDS release or record package: its first release ({where}) has no ocid"
    raise DataError(f"{what} (keys: {keys})", file=str(path))


def import_files(run: ImportRun) -> None:
    """Import OCDS release packages, record packages or JSON Lines of releases."""
    run.store.db.execute("CREATE TABLE ocds_awards (key TEXT PRIMARY KEY, seq INTEGER, date TEXT, ptr TEXT, data TEXT)")
    done = 0
    for path in run.files:
        run.next_file(path, done)
        done = path.stat().st_size
        counter, text = run.open(path)
        found = False
        with text:
            try:
                items = iter_json_lines(text) if path.suffix in (".jsonl", ".ndjson") else iter_json(text, stream=("releases", "records"))
                for ptr, value in items:
                    if ptr.startswith("/publisher") and isinstance(value, dict) and value.get("name"):
                        run.publisher = str(value["name"])
                        continue
                    if ptr.startswith("/releases/") or ptr.startswith("line "):
                        release, where = value, ptr
                    elif ptr.startswith("/records/"):
                        if not isinstance(value, dict):
                            continue
                        release = value.get("compiledRelease")
                        where = f"{ptr}/compiledRelease"
                        if release is None:
                            embedded = [r for r in value.get("releases") or [] if isinstance(r, dict) and "ocid" in r]
                            if not embedded:
                                run.result.rows += 1
                                run.problem(ptr, "skipped", "record without compiledRelease whose releases are only links")
                                continue
                            release = max(embedded, key=lambda r: str(r.get("date") or ""))
                            where = f"{ptr}/releases/{value['releases'].index(release)}"
                    elif ptr.startswith("/") and ptr.count("/") == 1 and ptr[1:].isdigit():
                        release, where = value, ptr  # a bare array of releases
                    else:
                        continue
                    if not found:
                        _check_layout(release, where, path)
                    found = True
                    run.result.rows += 1
                    try:
                        check_record(release, where)
                        _release_awards(run, release, where)
                    except RowError as exc:
                        run.problem(where, "rejected", str(exc), exc.column, exc.value)
                    if run.result.rows % 500 == 0:
                        run.tick(run.result.rows, counter.count)
            except JSONProblem as exc:
                raise DataError(str(exc), file=str(path), line=exc.line) from None
        if not found:
            raise DataError("not an OCDS release or record package: no 'releases' or 'records' array", file=str(path))
    rows = run.store.db.execute("SELECT key, ptr, data FROM ocds_awards ORDER BY seq, key").fetchall()
    for _key, ptr, data in rows:
        try:
            _emit(run, json.loads(data), run.locator(ptr))
        except RowError as exc:
            run.problem(ptr, "rejected", str(exc), exc.column, exc.value)
    run.dataset = f"OCDS: {run.publisher}" if run.publisher else "OCDS"
