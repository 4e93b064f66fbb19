"""Property-based tests (hypothesis) of the loader's and the importers' value parsers (issue 13).

Whatever text goes in: no traceback, only the parser's own error (:class:`DataError`,
:class:`RowError`, :class:`ValueProblem`) with a one-line message of bounded length; what is
accepted is in the canonical ASCII form the RDF exports need; values round-trip (a date, an
amount, a YAML document, an N-Quads literal or IRI read back by pyoxigraph). Each test's
examples are bounded (``max_examples``) so that the suite stays fast.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyoxigraph as ox
import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from rdflib import XSD, Literal, URIRef

from graph.errors import DataError
from graph.importers.base import MAX_FIELD, RowError, check_text, parse_amount, parse_day
from graph.importers.nquads import Lit, quad, safe_iri, term, valid_lang
from graph.load import DURATION, LANG, SLUG, _parse_value
from graph.schema import PropertySpec
from graph.timeline import duration_end
from graph.values import FlexDate, Money, ValueProblem
from graph.yamlio import loads

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: the longest message a parser may give (it names the value cut short, never the whole of it)
MAX_MESSAGE = 300

#: any text, lone surrogates included, with the characters parsers trip on made likely
TRICKY = "0123456789-+.,_eE:TZ PYMWDHS\n\r\t\x00\x7f\x85\u2028\ufeff\ufffe\ud800١２%#[]@/?<>\"{}|^`\\é"
anytext = st.text(alphabet=st.one_of(st.sampled_from(TRICKY), st.characters()), max_size=40)
nosurrogates = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


def one_line(exc: Exception) -> str:
    message = str(exc)
    assert "\n" not in message and "\r" not in message, message
    assert len(message) <= MAX_MESSAGE, len(message)
    return message


# ----------------------------------------------------------------------------- YAML


@SETTINGS
@given(anytext)
def test_any_yaml_text_loads_or_is_one_data_error(text):
    try:
        loads(text, "x.yaml")
    except DataError as exc:
        assert one_line(exc).startswith("x.yaml")


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nosurrogates,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nosurrogates, inner, max_size=4),
    max_leaves=20,
)


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


@SETTINGS
@given(json_like)
def test_a_yaml_document_round_trips(value):
    text = yaml.dump(value, Dumper=_NoAliases)
    assert loads(text, "x.yaml") == value


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=65, max_value=400))
def test_deep_nesting_is_one_line(depth):
    with pytest.raises(DataError, match=r"^x\.yaml:\d+: nested more than 64 levels deep$"):
        loads("[" * depth + "]" * depth, "x.yaml")


# ----------------------------------------------------------------------------- dates


@SETTINGS
@given(st.one_of(anytext, st.integers(), st.dates(), st.datetimes(), st.floats(), st.none()))
@example("٢٠٢٤-٠١")  # other scripts' digits: Python's int() reads them, xsd:gYearMonth does not
@example("２０２４")
def test_a_date_parses_to_ascii_or_is_a_value_problem(value):
    try:
        d = FlexDate.parse(value)
    except ValueProblem as exc:
        one_line(exc)
        return
    assert d.text.isascii() and len(d.text) in (4, 7, 10), d.text
    assert d.earliest <= d.latest
    assert FlexDate.parse(d.text) == d


@SETTINGS
@given(st.dates(), st.sampled_from([4, 7, 10]))
def test_a_date_round_trips_at_its_precision(day, size):
    text = day.isoformat()[:size]
    d = FlexDate.parse(text)
    assert str(d) == text and d.precision == {4: "year", 7: "month", 10: "day"}[size]
    assert d.earliest <= day <= d.latest
    assert d.earliest.isoformat().startswith(text) and d.latest.isoformat().startswith(text)


@SETTINGS
@given(anytext)
def test_an_imported_day_is_ascii_iso_or_a_row_error(value):
    try:
        day = parse_day(value, "action_date")
    except RowError as exc:
        assert one_line(exc).startswith("action_date: ")
        return
    assert day is None or (day.isascii() and dt.date.fromisoformat(day).isoformat() == day)


@SETTINGS
@given(st.dates(), st.sampled_from(["", " 00:00:00", "T09:30:00Z", "T09:30:00.5+02:00", " 23:59:59-0500"]))
def test_an_imported_day_round_trips(day, time):
    assert parse_day(day.isoformat() + time, "action_date") == day.isoformat()


# ----------------------------------------------------------------------------- durations


@SETTINGS
@given(st.one_of(anytext, st.from_regex(r"P(\d{1,12}Y)?(\d{1,4}M)?(\d{1,7}W)?(\d{1,9}D)?", fullmatch=True)),
       st.dates())
@example("P١Y", dt.date(2024, 1, 1))
def test_a_duration_parses_or_is_a_value_problem_and_never_overflows_unseen(text, start):
    spec = PropertySpec("duration", "duration", None, "duration")
    try:
        value = _parse_value(spec, text)
    except ValueProblem as exc:
        one_line(exc)
        return
    assert value.isascii() and DURATION.fullmatch(value)
    try:
        end = duration_end(start, value)
    except OverflowError as exc:  # the loader turns it into a DataError with its line
        one_line(exc)
        return
    assert end is None or end >= start - dt.timedelta(days=1)


# ----------------------------------------------------------------------------- amounts


@SETTINGS
@given(st.one_of(anytext, st.integers(), st.floats(), st.decimals(), st.booleans(), st.none(),
                 st.text(alphabet="0123456789", min_size=25, max_size=5000)))
def test_an_amount_parses_or_is_a_value_problem(raw):
    try:
        money = Money.parse({"amount": raw, "currency": "USD"})
    except ValueProblem as exc:
        one_line(exc)
        return
    assert money.amount.is_finite() and money.amount >= 0 and len(money.amount.as_tuple().digits) <= 28
    assert Money.parse({"amount": str(money.amount), "currency": "USD"}) == money
    one_line(ValueError(money.short()))


@SETTINGS
@given(st.one_of(anytext, st.text(alphabet="0123456789.-", max_size=5000),
                 st.decimals(allow_nan=False, allow_infinity=False).map(str)))
def test_an_imported_amount_parses_or_is_a_row_error(value):
    try:
        amount = parse_amount(value, "federal_action_obligation", allow_negative=False)
    except RowError as exc:
        assert one_line(exc).startswith("federal_action_obligation: ")
        assert len(exc.value) <= 100
        return
    assert amount is None or (amount.is_finite() and amount >= 0 and len(amount.as_tuple().digits) <= 28)


@SETTINGS
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**25), max_value=10**25, places=2))
def test_an_imported_amount_round_trips(amount):
    assert parse_amount(f" {amount} ", "c") == amount
    assert parse_amount(str(amount), "c") == Decimal(str(amount))


# ----------------------------------------------------------------------------- ids and text


@SETTINGS
@given(anytext)
def test_an_id_is_a_slug_or_a_value_problem(text):
    spec = PropertySpec("contractor", "contractor", None, "ref", "Organization")
    try:
        ref = _parse_value(spec, text)
    except ValueProblem as exc:
        one_line(exc)
        return
    assert SLUG.fullmatch(ref.id) and ref.id.isascii() and ref.id == text
    ox.NamedNode("https://w3id.org/defense-ai-graph/id/" + ref.id)


@SETTINGS
@given(st.one_of(anytext, st.text(max_size=3).map(lambda t: t * (MAX_FIELD // 2))))
def test_checked_text_is_writable_or_a_row_error(text):
    try:
        check_text(text, "recipient_name")
    except RowError as exc:
        assert one_line(exc).startswith("recipient_name: ")
        assert len(exc.value) <= 40
        return
    assert len(text) <= MAX_FIELD
    assert all(c in "\t\n\r" or (ord(c) >= 0x20 and c not in "\ufffe\uffff" and not 0xD800 <= ord(c) <= 0xDFFF)
               for c in text)


# ----------------------------------------------------------------------------- N-Quads

S, P, G = URIRef("https://e.org/s"), URIRef("https://e.org/p"), URIRef("https://e.org/g")
LANGS = st.from_regex(r"[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8}){0,2}", fullmatch=True)


def read_back(line: str) -> ox.Quad:
    (q,) = list(ox.parse(line.encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    return q


@SETTINGS
@given(anytext, st.one_of(st.none(), LANGS))
def test_any_text_is_one_nquads_line_that_reads_back_as_the_same_literal(text, lang):
    want = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)  # a lone surrogate is not text
    for literal in (Lit(text, lang=lang), Literal(text, lang=lang)):
        if lang and not valid_lang(lang):  # a tag of the right letters but not BCP 47 ("a", "abcdefghi")
            with pytest.raises(ValueError, match="invalid language tag"):
                quad(S, P, literal, G)
            continue
        line = quad(S, P, literal, G)
        assert line.count("\n") == 1 and line.endswith(" .\n")
        o = read_back(line).object
        assert o.value == want
        assert (o.language or None) == (lang.lower() if lang else None)


@SETTINGS
@given(anytext, st.sampled_from([XSD.decimal, XSD.date, XSD.anyURI, URIRef("https://e.org/type with space")]))
def test_a_typed_literal_reads_back_with_its_datatype(text, datatype):
    assume(not any(0xD800 <= ord(c) <= 0xDFFF for c in text))
    o = read_back(quad(S, P, Lit(text, datatype=str(datatype)), G)).object
    assert o.value == text and o.datatype.value == safe_iri(str(datatype))


@SETTINGS
@given(LANGS.map(lambda t: t + "\n") | st.text(alphabet="-_ 1é", min_size=1, max_size=5))
def test_a_bad_language_tag_is_a_value_error(tag):
    assume(not LANG.fullmatch(tag.lower()) or "\n" in tag or "_" in tag or " " in tag or "é" in tag)
    for literal in (Lit("x", lang=tag), Literal("x", lang=tag) if "\n" in tag else Lit("x", lang=tag)):
        with pytest.raises(ValueError, match="invalid language tag"):
            term(literal)


@SETTINGS
@given(anytext, st.sampled_from(["https://", "https://en.wikipedia.org/wiki/", "http://h.org/a?q=", "urn:x:",
                                 "https://[::1]:8080/", "https://u:p@h.org:99/x#f"]))
@example("100%_Pure#a#b", "https://en.wikipedia.org/wiki/")  # a Wikipedia title with '%': the store refused the import
@example("h:port/[x]", "https://")
def test_any_iri_text_is_made_one_that_pyoxigraph_reads_and_stays_so(text, start):
    iri = safe_iri(start + text)
    assert safe_iri(iri) == iri  # encoding twice changes nothing
    node = read_back(quad(S, P, URIRef(start + text), G)).object
    assert node == ox.NamedNode(iri)


VALID_PART = st.text(alphabet="abcXYZ019-._~!$&'()*+,;=:@/?é中%20", max_size=20).map(
    lambda t: t.replace("%", "%25") if "%20" not in t else t)


@SETTINGS
@given(st.sampled_from(["https://h.org", "http://[::1]:80", "urn:isbn:", "https://u@h.org:1"]),
       VALID_PART, st.none() | VALID_PART)
def test_a_valid_iri_is_kept_as_it_is(start, path, fragment):
    iri = start + ("/" if start.startswith("http") else "") + path + ("" if fragment is None else "#" + fragment)
    try:
        ox.NamedNode(iri)
    except ValueError:
        assume(False)
    assert safe_iri(iri) == iri


@SETTINGS
@given(LANGS)
def test_a_language_tag_the_writer_takes_is_one_pyoxigraph_reads(tag):
    if valid_lang(tag):
        assert read_back(quad(S, P, Lit("x", lang=tag), G)).object.language == tag.lower()
    else:
        with pytest.raises(ValueError):
            ox.Literal("x", language=tag)
