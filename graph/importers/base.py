"""What every importer shares: one import run writes one source graph to one N-Quads file.

A *source* is one imported file, or all the parts of a download split into ``NAME_1.csv``,
``NAME_2.csv``, ... given together (their rows are aggregated together). Its graph is
``<…/source/KIND-SLUG>`` and it is written to ``DATA/imported/KIND/NAME.nq.gz`` (gzip'd N-Quads), so that
``kg build`` merges it with the curated facts. Rows that cannot be imported are reported
(file, row, reason) and written to ``DATA/imported/KIND/NAME.rejects.csv``.

Example
-------
>>> source_stem("Contracts_PrimeTransactions_2025-10-01_H12M01S_2.csv")
'Contracts_PrimeTransactions_2025-10-01_H12M01S'
>>> slugify("CONT_AWD_7200AA23M00003_7200_47QRAD20D1100_4732")
'cont-awd-7200aa23m00003-7200-47qrad20d1100-4732'
>>> scrub("call J.Doe@agency.gov today")
'call [e-mail removed] today'
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Literal, URIRef

from graph.errors import DataError, shown
from graph.ids import slugify
from graph.importers.nquads import Lit, NQuadsWriter, last_member
from graph.importers.resolve import ORGANIZATION_TYPES, Match, Resolver
from graph.rdf import FACT, ID, SOURCE, decimal_text
from ontology.vocab import DAI

__all__ = [
    "ImportRun", "ImportResult", "RowError", "Problem", "named", "source_stem", "slugify", "scrub", "group_inputs",
    "parse_amount", "parse_day", "CountingReader", "sha256_of", "check_text", "check_cells", "check_record", "MAX_FIELD",
]

WD = "http://www.wikidata.org/entity/"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PART = re.compile(r"_(\d+)$")
_KEBAB: dict[str, str] = {}  # obligatedAmount -> obligated-amount
# the terms of every fact, looked up once (a DefinedNamespace attribute costs a function call)
_TYPE, _LABEL = RDF.type, RDFS.label
_SOURCE, _CITATION, _CITES, _SUPPORTS, _QUOTE, _LOCATOR, _INFERENCE = (
    DAI.source, DAI.citation, DAI.cites, DAI.supports, DAI.quote, DAI.locator, DAI.inference)
_CITATION_CLASS, _MONEY_CLASS, _AMOUNT, _CURRENCY = DAI.Citation, DAI.MonetaryAmount, DAI.amount, DAI.currency
_PROPERTIES: dict[str, URIRef] = {}


def _dai(name: str) -> URIRef:
    found = _PROPERTIES.get(name)
    if found is None:
        found = _PROPERTIES[name] = DAI[name]
    return found


#: the identifier schemes that tell two organisations apart, and their properties
_ID_PROPERTIES = {"uei": DAI.uei, "cage": DAI.cageCode}


def _identifiers(keys: Iterable[str], props: Iterable[tuple]) -> dict[str, str]:
    """The UEI and CAGE code of a record, from its keys (``uei:...``) and properties."""
    ids = {}
    for k in keys:
        scheme, _, value = k.partition(":")
        if scheme == "uei" and value:
            ids["uei"] = value
    for p, o in props:
        if p == DAI.cageCode:
            ids["cage"] = str(o)
    return ids


def named(kind: str, name: str) -> tuple[str, str]:
    """The key and IRI slug of an organisation known only by its name, the same in every
    importer (so that one agency named in two datasets is one node): ``kind`` is ``agency``
    or ``org``.

    >>> named("agency", "DEPT OF THE AIR FORCE")
    ('agency-name:department of the air force', 'agency-department-of-the-air-force')
    """
    from graph.importers.resolve import normalise

    norm = normalise(name) or name.casefold()
    return f"{kind}-name:{norm}", f"{kind}-{slugify(norm, 60)}"


def source_stem(path: str | Path) -> str:
    """The source name of a file: its stem without a ``_N`` part suffix."""
    return _PART.sub("", Path(path).stem)


def scrub(text: str) -> str:
    """Remove e-mail addresses (personal data such as contracting officers' addresses)."""
    if "@" not in text:
        return text
    return _EMAIL.sub("[e-mail removed]", text)


def group_inputs(paths: Iterable[str | Path]) -> list[list[Path]]:
    """Group the files of one command into sources: the parts ``NAME_1``, ``NAME_2`` ... of a
    split download form one source, in part order; groups keep the order of the command."""
    groups: dict[tuple[str, str], list[Path]] = {}
    for p in map(Path, paths):
        groups.setdefault((str(p.parent), source_stem(p)), []).append(p)

    def part(p: Path) -> int:
        m = _PART.search(p.stem)
        return int(m.group(1)) if m else 0

    return [sorted(set(files), key=part) for files in groups.values()]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class RowError(Exception):
    """A row (or record) that cannot be imported: the column and value at fault and why."""

    def __init__(self, reason: str, column: str = "", value: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.column = column
        self.value = value


def parse_amount(value: str, column: str, *, allow_negative: bool = True) -> Decimal | None:
    """A money amount from a text cell (``''`` -> None); raises :class:`RowError` if bad.

    >>> parse_amount("1999998.00", "total_obligated_amount")
    Decimal('1999998.00')
    >>> try:
    ...     parse_amount("12,3x", "federal_action_obligation")
    ... except RowError as exc:
    ...     print(exc)
    federal_action_obligation: '12,3x' is not a number
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RowError(f"{column}: {shown(value, 40)} is not a number", column, value[:60]) from None
    if not amount.is_finite():
        raise RowError(f"{column}: {shown(value, 40)} is not a finite number", column, value[:60])
    if len(amount.as_tuple().digits) > 28 or amount.adjusted() >= 28:
        raise RowError(f"{column}: {shown(value, 40)} has more than 28 significant digits", column, value[:60])
    if amount < 0 and not allow_negative:
        raise RowError(f"{column}: negative amount {shown(value, 40, quote=False)}", column, value[:60])
    return amount


_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}(?::?\d{2})?)?)?", re.ASCII)


def parse_day(value: str, column: str) -> str | None:
    """``2028-09-19 00:00:00`` or ``2010-05-10T09:30:00Z`` -> ``2028-09-19``; ``''`` -> None.

    >>> parse_day("2028-09-19 00:00:00", "period_of_performance_potential_end_date")
    '2028-09-19'
    """
    import datetime as dt

    value = (value or "").strip()
    if not value:
        return None
    m = _DAY.fullmatch(value)
    if not m:
        raise RowError(f"{column}: {shown(value, 40)} is not a date", column, value[:60])
    try:
        dt.date.fromisoformat(m.group(1))
    except ValueError:
        raise RowError(f"{column}: no such date {shown(value, 40)}", column, value[:60]) from None
    return m.group(1)


#: the longest text field an import takes (characters): a longer one rejects its row. Real
#: award descriptions stay under 4,000; a multi-megabyte cell is a broken export, and lines
#: that long make every RDF parser downstream slow or fail.
MAX_FIELD = 100_000
# characters no RDF/XML, GraphML or GEXF export can hold (and that no real record has): C0
# controls but tab, newline and carriage return; U+FFFE, U+FFFF; lone surrogates
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def check_text(text: str, where: str) -> None:
    """Raise :class:`RowError` if the field ``where`` holds a character no export can write
    or more than :data:`MAX_FIELD` characters.

    >>> check_text("Anduril Industries", "recipient_name")
    >>> try:
    ...     check_text("bad\\x00name", "recipient_name")
    ... except RowError as exc:
    ...     print(exc)
    recipient_name: control character U+0000 at position 4
    """
    m = _UNWRITABLE.search(text)
    if m:
        raise RowError(f"{where}: control character U+{ord(m.group()):04X} at position {m.start() + 1}", where,
                       text[max(0, m.start() - 20): m.start() + 20])
    if len(text) > MAX_FIELD:
        raise RowError(f"{where}: {len(text):,} characters, more than the {MAX_FIELD:,} a field may have", where,
                       text[:40])


def check_cells(header: list[str], cells: list[str]) -> None:
    """:func:`check_text` over a row's cells (one scan of the joined row when it is clean)."""
    joined = "".join(cells)
    if _UNWRITABLE.search(joined) or len(joined) > MAX_FIELD:
        for column, cell in zip(header, cells):
            check_text(cell, column)


def check_record(value, where: str = "", depth: int = 0) -> None:
    """:func:`check_text` over every string (keys included) of a JSON record; ``where`` is its
    JSON pointer."""
    if isinstance(value, str):
        check_text(value, where or "/")
    elif isinstance(value, dict):
        for k, v in value.items():
            check_text(str(k), where or "/")
            check_record(v, f"{where}/{k}", depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            check_record(v, f"{where}/{i}", depth + 1)


class CountingReader(io.RawIOBase):
    """A binary file wrapper that counts the bytes read (for progress) and remembers the
    last byte (a file cut short does not end with a newline)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0
        self.last = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.raw.readinto(b)
        if n:
            self.count += n
            self.last = bytes(b[n - 1 : n])
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


@dataclass
class Problem:
    """A row that was rejected, or a value that was dropped from an imported row."""

    file: str
    row: str
    action: str  #: rejected | dropped | skipped
    reason: str
    column: str = ""
    value: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.row}: {self.action}: {self.reason}"


@dataclass
class ImportResult:
    kind: str
    source: str
    files: list[Path]
    output: Path
    changed: bool
    rows: int = 0
    records: int = 0
    facts: int = 0
    new_actors: int = 0
    merged_actors: int = 0
    conflicts: int = 0  #: name matches refused because the identifiers differ
    rejected: int = 0
    dropped: int = 0
    skipped: int = 0
    filtered: int = 0  #: rows a mapping's filters left out (table importer)
    quads: int = 0
    bytes: int = 0
    seconds: float = 0.0
    rejects_file: Path | None = None
    problems_shown: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        what = "unchanged" if not self.changed else "wrote"
        parts = [
            f"{self.rows:,} rows read", f"{self.records:,} records", f"{self.new_actors:,} new actors",
            f"{self.merged_actors:,} actors merged", f"{self.rejected:,} rows rejected",
        ]
        if self.dropped:
            parts.append(f"{self.dropped:,} values dropped")
        if self.skipped:
            parts.append(f"{self.skipped:,} records skipped")
        if self.filtered:
            parts.append(f"{self.filtered:,} rows filtered out")
        if self.conflicts:
            parts.append(f"{self.conflicts:,} name matches refused (other UEI/CAGE: see kg resolve --report)")
        return (
            f"{self.source}: " + ", ".join(parts)
            + f"; {what} {self.output} ({self.quads:,} quads) in {self.seconds:.1f}s ({rate:,.0f} rows/s)"
        )


class _Store:
    """On-disk sets and tables (SQLite in a temporary folder), so memory stays flat however
    many distinct awards and organisations a file holds."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="kg-import-")
        self.db = sqlite3.connect(os.path.join(self._dir.name, "run.sqlite"))
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("PRAGMA cache_size=-16000")
        self.db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
        self._cache: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        if key in self._cache:
            return self._cache[key]
        row = self.db.execute("SELECT value FROM seen WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def put(self, key: str, value: str = "") -> None:
        self.db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?)", (key, value))
        if len(self._cache) > 20000:
            self._cache.clear()
        self._cache[key] = value

    def first(self, key: str) -> bool:
        """True the first time ``key`` is seen in this run."""
        if self.get(key) is not None:
            return False
        self.put(key)
        return True

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()


class ImportRun:
    """One source being imported: its graph, its output file, its problems and counters.

    Importers call :meth:`actor`, :meth:`place`, :meth:`fact` and :meth:`link`; each
    statement is written at once to the output (a temporary file until :meth:`finish`).
    """

    #: how many problems are kept in memory to show on the terminal (all go to the file)
    SHOW = 20

    def __init__(
        self, kind: str, files: list[Path], data_dir: Path, resolver: Resolver, *,
        dataset: str, publisher: str, progress: Callable[[int, int], None] | None = None,
        encoding: str | None = None, replace: bool = False,
    ):
        self.kind = kind
        self.files = files
        self.stem = source_stem(files[0])
        self.slug = f"{kind}-{slugify(self.stem)}"
        self.g = SOURCE[self.slug]
        self.dataset = dataset
        self.publisher = publisher
        self.resolver = resolver
        self.out = Path(data_dir) / "imported" / kind / f"{self.stem}.nq.gz"
        self.rejects_path = self.out.parent / f"{self.stem}.rejects.csv"
        self.progress = progress
        self.store = _Store()
        self.writer = NQuadsWriter(self.out)
        self.result = ImportResult(kind, self.slug, files, self.out, changed=False)
        self._started = time.perf_counter()
        self._rejects_fh = None
        self._rejects = None
        self.current_file: Path = files[0]
        #: the files' character encoding (None: UTF-8, invalid bytes refused); see :meth:`open`
        self.encoding = encoding
        #: replace the previous version even if it had more records or rows
        self.replace = replace
        #: what the store holds from the other sources (set by the store's import; None without one)
        self.known = None
        #: set by an importer: the source's title (default: the file names), more (property, object)
        #: pairs describing it; the importer's options (the table importer's ``mapping``)
        self.title = ""
        self.source_props: list[tuple] = []
        self.options: dict = {}
        self._bytes_done = 0  # bytes of the parts already read

    # -- statements ---------------------------------------------------------------

    def add(self, s, p, o) -> None:
        self.writer.add(s, p, o, self.g)

    def _describe_source(self) -> None:
        s = self.g
        self.add(s, RDF.type, DAI.Source)
        title = self.title or ", ".join(p.name for p in self.files)
        self.add(s, DAI.title, Literal(title))
        for p, o in self.source_props:
            self.add(s, p, o)
        self.add(s, DAI.language, Literal("en", datatype=XSD.language))
        self.add(s, DAI.sourceKind, Literal("dataset"))
        self.add(s, DAI.datasetName, Literal(self.dataset))
        if self.publisher:
            self.add(s, DAI.publisher, Literal(self.publisher))
        for p in self.files:
            self.add(s, DAI.sha256sum, Literal(sha256_of(p)))
        self.add(s, DAI.characterEncoding, Literal(codec_name(self.encoding)))
        self.add(s, DAI.recordCount, Lit(str(self.result.records), datatype=XSD.integer))
        self.add(s, DAI.rowCount, Lit(str(self.result.rows), datatype=XSD.integer))

    def open(self, path: Path) -> tuple[CountingReader, io.TextIOWrapper]:
        """``path`` opened for reading text in this run's encoding (see :func:`open_text`)."""
        return open_text(path, self.encoding)

    def _refuse_shrinking(self) -> None:
        """Refuse a new version with fewer records or rows than the one it replaces."""
        old = previous_counts(self.out, str(self.g))
        if old is None:
            old = previous_counts(self.out.with_suffix(""), str(self.g))  # an uncompressed NAME.nq
        if old is None or self.replace:
            return
        new = (self.result.records, self.result.rows)
        if new[0] < old[0] or new[1] < old[1]:
            raise DataError(
                f"refused: this version has {new[0]:,} records ({new[1]:,} rows), the one it would replace "
                f"({self.out}) has {old[0]:,} records ({old[1]:,} rows); a file cut short or of another "
                "kind? Give --replace to replace it anyway", file=str(self.files[0]))

    def locator(self, where: str) -> str:
        """``row 12`` (or ``FILE row 12`` for a source of several parts)."""
        return f"{self.current_file.name} {where}" if len(self.files) > 1 else where

    def actor(
        self, *, key: str, slug: str, cls: str, label: str, keys: Iterable[str] = (), aliases: Iterable[str] = (),
        props: Iterable[tuple] = (), types: tuple[str, ...] = ORGANIZATION_TYPES, match_names: Iterable[str] | None = None,
    ) -> URIRef:
        """The IRI of an organisation (or person) of this source, described once per run.

        ``key`` identifies it in this dataset (``uei:...``); ``keys`` are more identifiers
        tried for resolution; ``types`` the curated types it may be linked to. Linked to a
        curated entity, it keeps that entity's IRI, type and labels (its names here become
        ``skos:altLabel``) and gets ``dai:matchRule``; otherwise it is a new entity ``id/SLUG``.
        """
        props = list(props)
        cached = self.store.get("actor|" + key)
        names = [label, *aliases]
        if cached is not None:
            iri = URIRef(cached)
            for name in names:
                self.alias(iri, name)
            return iri
        all_keys = [key, *keys]
        match: Match | None = self.resolver.resolve(all_keys, match_names if match_names is not None else names, types)
        ids = _identifiers(all_keys, props)
        if match is not None and match.rule.startswith("name:") and self._conflict(match.entity, ids):
            match = None  # a name match never merges organisations whose identifiers differ
        if match is not None:
            for scheme, value in ids.items():
                self.store.put(f"ids|{match.entity}|{scheme}", value)
            iri = ID[match.entity]
            self.add(iri, DAI.matchRule, Literal(match.rule))
            self.result.merged_actors += 1
            for name in names:
                self.alias(iri, name)
        else:
            iri = ID[slug]
            if self.store.first("entity|" + str(iri)):
                self.add(iri, RDF.type, DAI[cls])
                # one preferred label across sources: another source that named it first keeps its name
                named = self.known is not None and self.known.has(iri, RDFS.label)
                self.add(iri, SKOS.altLabel if named else RDFS.label, Literal(label, lang="en"))
                self.result.new_actors += 1
            self.store.put("alias|" + str(iri) + "|" + label)
            for name in aliases:
                self.alias(iri, name)
        self.add(iri, DAI.mentionedIn, self.g)
        for k in all_keys:
            scheme, _, value = k.partition(":")
            if scheme == "uei":
                self.add(iri, DAI.uei, Literal(value))
            elif scheme == "wikidata":
                self.add(iri, OWL.sameAs, URIRef(WD + value))
            elif value:
                self.add(iri, DAI.identifier, Literal(k))
        for p, o in props:
            self.add(iri, p, o)
        self.store.put("actor|" + key, str(iri))
        return iri

    def _conflict(self, entity: str, ids: dict[str, str]) -> bool:
        """Whether the curated ``entity`` already has, in this run or in another source of the
        store, an identifier of a scheme of ``ids`` with another value (a second UEI, say)."""
        for scheme, value in ids.items():
            seen = self.store.get(f"ids|{entity}|{scheme}")
            others = {seen} if seen else set()
            if self.known is not None:
                others |= self.known.values(ID[entity], _ID_PROPERTIES[scheme])
            if others - {value}:
                self.result.conflicts += 1
                return True
        return False

    def alias(self, iri: URIRef, name: str) -> None:
        """``skos:altLabel`` ``name``, once per entity and run."""
        name = (name or "").strip()
        if name and self.store.first("alias|" + str(iri) + "|" + name):
            self.add(iri, SKOS.altLabel, Literal(name, lang="en"))

    def place(self, parts: list[str], code_parts: list[str] | None = None) -> URIRef | None:
        """A place entity from its names, most specific first (city, state, country)."""
        parts = [p.strip() for p in parts if p and p.strip()]
        if not parts:
            return None
        slug = "place-" + slugify("-".join(p for p in (code_parts or parts)[::-1] if p))
        iri = ID[slug]
        if self.store.first("entity|" + str(iri)):
            self.add(iri, RDF.type, DAI.Place)
            self.add(iri, RDFS.label, Literal(", ".join(parts), lang="en"))
            self.add(iri, DAI.mentionedIn, self.g)
        return iri

    def money(self, fact: URIRef, prop: str, amount: Decimal, currency: str = "USD") -> URIRef:
        """A ``dai:MonetaryAmount`` node of ``fact`` (same IRI scheme as curated amounts)."""
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))
        key = _KEBAB.get(prop) or _KEBAB.setdefault(prop, re.sub(r"(?<!^)(?=[A-Z])", "-", prop).lower())
        m = URIRef(f"{fact}/{key}/{currency}-{amount}")
        self.add(fact, _dai(prop), m)
        self.add(m, _TYPE, _MONEY_CLASS)
        self.add(m, _AMOUNT, Lit(decimal_text(amount), datatype=XSD.decimal))
        self.add(m, _CURRENCY, Lit(currency))
        return m

    def fact(
        self, *, slug: str, cls: str, label: str, quote: str, locator: str, values: Iterable[tuple] = (),
        inference: str | None = None, iri: URIRef | None = None,
    ) -> URIRef | None:
        """A fact of this source with its citation (quote of the raw fields and locator).

        ``values`` are ``(property, object)`` pairs; a ``(property, Decimal)`` pair is money
        in USD and ``(property, (Decimal, currency))`` money in a currency. Returns None if
        the fact was already written in this run.
        """
        f = iri if iri is not None else FACT[slug]
        if self.store.get("fact|" + str(f)) is not None:
            return None
        self.store.put("fact|" + str(f), locator)
        self.add(f, _TYPE, _dai(cls))
        if label:
            self.add(f, _LABEL, Lit(label, "en"))
        self.add(f, _SOURCE, self.g)
        c = URIRef(f"{f}/citation/{self.slug}")
        self.add(f, _CITATION, c)
        self.add(c, _TYPE, _CITATION_CLASS)
        self.add(c, _CITES, self.g)
        self.add(c, _SUPPORTS, f)
        self.add(c, _QUOTE, Lit(scrub(quote), "en"))
        self.add(c, _LOCATOR, Lit(locator))
        if inference:
            self.add(c, _INFERENCE, Lit(inference))
        for p, o in values:
            if o is None:
                continue
            if isinstance(o, Decimal):
                self.money(f, p, o)
            elif isinstance(o, tuple):
                self.money(f, p, o[0], o[1])
            else:
                if isinstance(o, Literal) and (o.language or o.datatype is None):
                    o = Literal(scrub(str(o)), lang=o.language)
                elif type(o) is Lit and o.datatype is None:
                    o = Lit(scrub(o.text), o.lang)
                self.add(f, _dai(p), o)
        self.result.facts += 1
        return f

    def first_locator(self, slug: str) -> str:
        """Where this source first stated the fact ``fact/SLUG`` ('' if it did not)."""
        return self.store.get("fact|" + str(FACT[slug])) or ""

    def link(self, cls: str, child: URIRef, parent: URIRef, quote: str, locator: str, inference: str,
             names: tuple[str, str] = ("", "")) -> None:
        """A ``Subsidiary`` or ``SubUnit`` fact child -> parent (and ``subOrganizationOf``).

        When the curated data already states the same link, its fact is reused, so the
        imported source becomes one more source of that fact."""
        if child == parent:
            return
        c_id, p_id = str(child).rsplit("/", 1)[1], str(parent).rsplit("/", 1)[1]
        curated = self.resolver.curated_link(cls, c_id, p_id)
        f = self.fact(
            slug=f"{cls.lower()}-{c_id}-of-{p_id}", iri=FACT[curated] if curated else None, cls=cls,
            label="" if curated else f"{names[0] or c_id}, {'subsidiary' if cls == 'Subsidiary' else 'unit'} of {names[1] or p_id}",
            quote=quote, locator=locator, inference=inference, values=[("child", child), ("parent", parent)],
        )
        if f is not None:
            self.add(child, DAI.subOrganizationOf, parent)

    # -- problems and progress ----------------------------------------------------

    def problem(self, row: str, action: str, reason: str, column: str = "", value: str = "") -> None:
        """Report a rejected row, a dropped value or a skipped record (file, row, reason)."""
        p = Problem(self.current_file.name, row, action, scrub(reason), column, scrub(str(value))[:200])
        if action == "rejected":
            self.result.rejected += 1
        elif action == "dropped":
            self.result.dropped += 1
        else:
            self.result.skipped += 1
        if len(self.result.problems_shown) < self.SHOW:
            self.result.problems_shown.append(p)
        if self._rejects is None:
            self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
            self._rejects_fh = open(self.rejects_path.with_suffix(".tmp"), "w", encoding="utf-8", newline="")
            self._rejects = csv.writer(self._rejects_fh)
            self._rejects.writerow(["file", "row", "action", "column", "value", "reason"])
        self._rejects.writerow([p.file, p.row, p.action, p.column, p.value, p.reason])

    def tick(self, rows: int, bytes_in_file: int) -> None:
        if self.progress is not None:
            self.progress(self._bytes_done + bytes_in_file, rows)

    def next_file(self, path: Path, size_done: int) -> None:
        self._bytes_done += size_done
        self.current_file = path

    # -- end ----------------------------------------------------------------------

    def finish(self, strict: bool = False) -> ImportResult:
        """Describe the source, replace the output file (if it changed) and the rejects file.

        With ``strict``, rejected rows make it raise :class:`DataError` (the rejects file is
        still written, the output is not)."""
        if self._rejects_fh is not None:
            self._rejects_fh.close()
            self._rejects_fh = None
            os.replace(self.rejects_path.with_suffix(".tmp"), self.rejects_path)
            self.result.rejects_file = self.rejects_path
        elif self.rejects_path.exists():
            self.rejects_path.unlink()  # stale: the new version has no problems
        if strict and self.result.rejected:
            raise DataError(f"{self.result.rejected} row(s) rejected, nothing written (--strict); see "
                            f"{self.rejects_path}", file=str(self.files[0]))
        self._refuse_shrinking()
        self.writer.member()  # the description of the source: a gzip member of its own, at the end
        self._describe_source()
        self.result.quads = self.writer.count
        self.result.changed = self.writer.commit()
        plain = self.out.with_suffix("")  # NAME.nq, written by versions before compression
        if plain.exists():
            plain.unlink()
            self.result.changed = True
        self.result.bytes = sum(p.stat().st_size for p in self.files)
        self.result.seconds = time.perf_counter() - self._started
        self.store.close()
        return self.result

    def abort(self) -> None:
        self.writer.abort()
        if self._rejects_fh is not None:
            self._rejects_fh.close()
            try:
                os.unlink(self.rejects_path.with_suffix(".tmp"))
            except FileNotFoundError:
                pass
        self.store.close()


_COUNT = re.compile(rb'<[^>]*#(recordCount|rowCount)> "(\d+)"')


def previous_counts(path: Path, graph: str) -> tuple[int, int] | None:
    """(records, rows) of the source that an earlier import wrote to ``path``, from its
    description at the end of the file; None if there is none (or it predates the counts)."""
    try:
        if str(path).endswith(".gz"):
            tail = last_member(path) or b""
        else:
            with open(path, "rb") as fh:
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - (1 << 16)))
                tail = fh.read()
    except OSError:
        return None
    found = {}
    subject = f"<{graph}> ".encode()
    for line in tail.splitlines():
        if line.startswith(subject):
            m = _COUNT.search(line)
            if m:
                found[m.group(1)] = int(m.group(2))
    if len(found) < 2:
        return None
    return found[b"recordCount"], found[b"rowCount"]


def codec_name(encoding: str | None) -> str:
    """The canonical name of an encoding (``utf-8`` for None); DataError if unknown.

    >>> codec_name("CP1252"), codec_name("latin-1"), codec_name(None)
    ('cp1252', 'iso8859-1', 'utf-8')
    """
    import codecs

    if encoding is None:
        return "utf-8"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r} (for example utf-8, cp1252, latin-1)") from None


def _bad_byte(path: Path, encoding: str) -> tuple[int, int, int, int]:
    """(line, column, byte offset, byte) of the first byte of ``path`` that ``encoding``
    cannot decode (lines and columns counted from 1, the column in bytes)."""
    offset = 0
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            try:
                line.decode("utf-8-sig" if n == 1 and encoding == "utf-8" else encoding)
            except UnicodeDecodeError as exc:
                return n, exc.start + 1, offset + exc.start, line[exc.start]
            offset += len(line)
    return 0, 0, offset, 0


class _Text(io.TextIOWrapper):
    """A text stream that turns an undecodable byte into a :class:`DataError` naming the
    file, the line and the byte (never a replacement character: a quote is exact)."""

    def _located(self, exc: UnicodeDecodeError) -> DataError:
        path = Path(self.buffer.raw.raw.name)
        line, col, offset, byte = _bad_byte(path, self._kg_encoding)
        hint = "give its encoding, for example --encoding cp1252" if self._kg_encoding == "utf-8" else \
            f"it is not {self._kg_encoding}: give its real encoding"
        return DataError(f"not {self._kg_encoding} text: byte 0x{byte:02X} at column {col} (byte offset {offset:,}); "
                         f"{hint}", file=str(path), line=line or None)

    def read(self, *args):
        try:
            return super().read(*args)
        except UnicodeDecodeError as exc:
            raise self._located(exc) from None

    def readline(self, *args):
        try:
            return super().readline(*args)
        except UnicodeDecodeError as exc:
            raise self._located(exc) from None

    def __next__(self):
        try:
            return super().__next__()
        except UnicodeDecodeError as exc:
            raise self._located(exc) from None


def open_text(path: Path, encoding: str | None = None) -> tuple[CountingReader, io.TextIOWrapper]:
    """Open ``path`` for reading text, counting bytes: UTF-8 (a BOM is skipped) unless
    ``encoding`` names another; a byte that does not decode raises :class:`DataError` with
    its line (``--encoding`` tells the importer the file's real encoding)."""
    name = codec_name(encoding)
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", file=str(path)) from None
    counter = CountingReader(raw)
    text = _Text(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig" if name == "utf-8" else name,
                 errors="strict", newline="")
    text._kg_encoding = name
    return counter, text
