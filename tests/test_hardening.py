"""Hardening: nothing lost, nothing half-written, no traceback (issue 13).

Hostile or broken input (a YAML alias bomb, a date that does not exist, a trailing newline
in an id, a lone surrogate, a crafted parameter name, an endpoint that answers garbage or
never stops answering) gets one line on stderr naming where it is, a non-zero exit code,
and leaves the previous exports as they were. Each test holds one finding of the issue.
"""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest

#: a tiny data folder: one source, two companies, an agency and a contract between them
TINY = """\
sources:
  - {id: s, title: S, language: en}
entities:
  - {id: x, type: Company, label: {en: X}, sources: [s]}
  - {id: y, type: Company, label: {en: Y}, sources: [s]}
  - {id: a, type: GovernmentAgency, label: {en: Agency A}, sources: [s]}
facts:
  - id: f
    type: Partnership
    claims:
      - {source: s, quote: "X and Y", party: [x, y], date: 2024-12}
"""


def tiny(tmp_path: Path, extra: str = "", name: str = "zz.yaml") -> Path:
    """A data folder with :data:`TINY` and ``extra`` (YAML text) in ``name``."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "tiny.yaml").write_text(TINY, encoding="utf-8")
    if extra:
        (data / name).write_text(textwrap.dedent(extra), encoding="utf-8")
    return data


def contract(**values: str) -> str:
    """A contract fact from ``a`` to ``x`` with extra claim ``values`` (YAML flow text)."""
    more = "".join(f", {k}: {v}" for k, v in values.items())
    return ("facts:\n  - id: g\n    type: Contract\n    claims:\n"
            f"      - {{source: s, quote: \"q\", awarding_agency: a, contractor: x{more}}}\n")


def assert_one_line_error(result, code: int = 2, *patterns: str) -> str:
    """``result`` failed with ``code`` and one line on stderr matching every pattern."""
    message = result.stderr.strip()
    assert result.exit_code == code, (result.exit_code, result.output)
    assert len(message.splitlines()) == 1, message
    assert message.startswith("kg: error: "), message
    assert "Traceback" not in result.output
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)
    return message


# ----------------------------------------------------------------------------- YAML data

BAD_YAML = {
    # F6: `$` also matches before a final newline; an id, a language, a Q-number, a URL or a
    # duration ending in one passed validation, and the RDF exports were unreadable
    "newline after an id": (
        'entities:\n  - {id: "z\\n", type: Company, label: {en: Z}, sources: [s]}\n', 2, r"is not a slug"),
    "newline after a reference": (
        contract(contractor='"x\\n"').replace("contractor: x, ", ""), 5, r"expected an id"),
    "newline after a Q-number": (
        'entities:\n  - {id: z, type: Company, label: {en: Z}, sources: [s], wikidata: "Q1\\n"}\n', 2,
        r"is not a Q-number"),
    "newline after a language": (
        'entities:\n  - {id: z, type: Company, label: {en: Z, "fr\\n": Z}, sources: [s]}\n', 2,
        r"is not a language code"),
    "newline after a source language": (
        'sources:\n  - {id: t, title: T, language: "en\\n"}\n', 2, r"is not a BCP 47 code"),
    "newline after a URL": (
        'entities:\n  - {id: z, type: Company, label: {en: Z}, sources: [s], url: "https://e.org/\\n"}\n', 2,
        r"must be an http\(s\) URL"),
    "newline after a duration": (contract(start_date="2025-01-01", duration='"P1Y\\n"'), 5, r"ISO 8601 duration"),
    # a lone surrogate was written as `?` by Turtle and TriG, then JSON-LD raised
    "lone surrogate": (
        'entities:\n  - {id: z, type: Company, label: {en: "Z\\ud800"}, sources: [s]}\n', 2,
        r"lone surrogate \(U\+D800\)"),
    # F2: an unquoted impossible date raised a plain ValueError in PyYAML's constructor
    "impossible unquoted date": (contract(date="2025-02-30"), 5, r"no such date: 2025-02-30"),
    # F3: year 0000, and ends past the year 9999, crashed later (exports, --as-of)
    "year 0000": (contract(date='"0000"'), 5, r"no such date: '0000'"),
    "year 0000 unquoted": (contract(date="0000-01-01"), 5, r"no such date"),
    "a year after 9999": (contract(start_date="9999-12-01", duration="P1Y"), 5, r"ends after the year 9999"),
    "a huge duration": (contract(start_date="2020-12-01", duration="P99999999999Y"), 5,
                        r"ends after the year 9999"),
    # F1: amounts beyond Python's 28 significant digits raised from Decimal.quantize
    "amount of 29 digits": (
        contract(value="{amount: 12345678901234567890123456789, currency: USD}"), 5,
        r"more than 28 significant digits"),
    "amount of 29 digits with decimals": (
        contract(value="{amount: '1234567890123456789012345678.5', currency: USD}"), 5,
        r"more than 28 significant digits"),
    "a number of 5,000 digits": (contract(offers="9" * 5000), 5, r"number too long"),
    # F4: deep nesting gave a RecursionError and 3,000 lines of traceback
    "deep nesting": ("facts:\n  - id: g\n    label: " + "[" * 3000 + "]" * 3000 + "\n", 3, r"nested more than"),
    # F19: a NUL character gave a two-line message
    "NUL character": ('sources:\n  - {id: t, title: "T\x00", language: en}\n', 2,
                      r"malformed YAML: character U\+0000 is not allowed"),
}


@pytest.mark.parametrize("case", sorted(BAD_YAML))
def test_bad_yaml_is_one_line_with_file_and_line(case, tmp_path, run_kg):
    text, line, pattern = BAD_YAML[case]
    data = tiny(tmp_path, text)
    result = run_kg("validate", "--data", data)
    assert_one_line_error(result, 2, re.escape(f"{data / 'zz.yaml'}:{line}: ") + ".*" + pattern)


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path, run_kg):
    # F5: 485 bytes of nested aliases expand to billions of strings; the error message then
    # printed repr() of the expanded value (6 GB). Aliases are refused where they appear.
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb = "facts:\n  - id: g\n    type: Partnership\n    label: *a9\n" + "\n".join(lines) + "\n"
    data = tiny(tmp_path, bomb)
    assert (data / "zz.yaml").stat().st_size < 600
    result = run_kg("validate", "--data", data)
    message = assert_one_line_error(result, 2, r"zz\.yaml:4: YAML aliases \(\*a9\) are not allowed")
    assert len(message) < 200


def test_error_messages_never_print_a_whole_value(tmp_path, run_kg):
    huge = "[" + ", ".join(["filler"] * 20000) + "]"
    data = tiny(tmp_path, contract(offers=huge))
    message = assert_one_line_error(run_kg("validate", "--data", data), 2, r"zz\.yaml:5: .*expected a whole number")
    assert len(message) < 300, len(message)


#: values at the edge of what validation accepts, each with its own reason to break an export
EDGES = """\
sources:
  - id: t
    title: "T\\r\\nwith a CRLF, a tab\\t and a final newline\\n"
    language: en-GB
    url: "https://example.org/a?b=c&d=e#f"
    published: "2025-06\\n"
entities:
  - id: z-1
    type: Company
    label: {en: "Zed\\n", fr: "\\u2028Zède\\u2029"}
    aliases: {en: ["Z\\u0085", "\\\\x"]}
    wikidata: Q1
    url: "https://example.org/z?q=%3E"
    sources: [t]
facts:
  - id: g-1
    type: Contract
    claims:
      - {source: t, quote: "line 1\\nline 2\\n", awarding_agency: a, contractor: z-1, date: 0001-01-01,
         duration: P1D, value: {amount: "1234567890123456789012345678", currency: USD}}
"""


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("trig", "trig"), ("ntriples", "ntriples"),
                                         ("nquads", "nquads"), ("rdfxml", "rdfxml")])
def test_what_validation_accepts_every_rdf_parser_reads(fmt, parser, tmp_path, run_kg):
    # F6: these exports used to be checked with independent parsers for good input only
    from tests.servers import tool

    pyoxigraph = pytest.importorskip("pyoxigraph")
    data = tiny(tmp_path, EDGES)
    out = tmp_path / f"kg.{fmt}"
    result = run_kg("export", "--data", data, "-f", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    oxi = getattr(pyoxigraph.RdfFormat, parser.upper().replace("NTRIPLES", "N_TRIPLES").replace("NQUADS", "N_QUADS")
                  .replace("RDFXML", "RDF_XML"))
    quads = list(pyoxigraph.parse(path=str(out), format=oxi, base_iri="https://w3id.org/defense-ai-graph/"))
    assert any(getattr(q.object, "value", None) == "line 1\nline 2" for q in quads)
    checked = subprocess.run([tool("rapper"), "-q", "-i", parser, "-c", str(out), "https://w3id.org/defense-ai-graph/"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr[-2000:]


def test_importers_and_push_refuse_a_final_newline():
    # F6 in the importers (a language tag, a Q-number) and in kg push --graph
    from rdflib import Literal

    from graph.errors import PushError
    from graph.importers import wikidata
    from graph.importers.nquads import term
    from graph.push import push_sparql

    with pytest.raises(ValueError, match="invalid language tag"):
        term(Literal("x", lang="en\n"))
    assert not wikidata._QID.match("Q1\n") and not wikidata._LANG.match("en\n")
    with pytest.raises(PushError, match="not an absolute IRI"):
        push_sparql(None, "http://127.0.0.1:9/store", graph="https://example.org/g\n")
