"""Write the bad-input corpus of tests/test_bad_corpus.py: one file per case under
tests/data/bad/{yaml,usaspending,ocds,wikidata}/ and their expectations in cases.yaml.

The files are committed; this script says how each was made (run it from the repository's
root: ``python tests/data/bad/make.py``) and remakes them byte for byte. Every value is made
up (TEST... identifiers); the shipped data's ids (article-fr, openai, dod, anduril) are those
the YAML cases point at.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.import_helpers import OPENAI_AWARD, columns  # noqa: E402

#: case file -> (YAML text, line of the error, message pattern); run by validate and build
CONTRACT = ('facts:\n  - id: g\n    type: Contract\n    claims:\n'
            '      - {source: article-fr, quote: "q", awarding_agency: dod, contractor: openai}\n')


def contract(old: str, new: str) -> str:
    """:data:`CONTRACT` with ``old`` replaced by ``new``."""
    assert old in CONTRACT, old
    return CONTRACT.replace(old, new)


YAML = {
    # moved from tests/test_bad_input.py
    "malformed-yaml": ("facts:\n  - id: g\n    type: [Contract\n", 4, r"malformed YAML"),
    "unknown-entity": (contract("contractor: openai", "contractor: opneai"), 5,
                       r"unknown entity 'opneai'"),
    "unknown-property": (contract("contractor: openai", "contractor: openai, duraton: P1Y"), 5,
                         r"unknown property 'duraton' for a Contract"),
    "missing-source": ("facts:\n  - id: g\n    type: Contract\n    claims:\n      - {quote: q, contractor: openai}\n",
                       5, r"claim without a source"),
    "unknown-source": (contract("source: article-fr", "source: le-monde"), 5,
                       r"unknown source 'le-monde'"),
    "missing-quote": (contract('quote: "q", ', ""), 5, r"has no quote"),
    "negative-amount": (contract("contractor: openai", "contractor: openai, value: {amount: -2, currency: USD}"),
                        5, r"negative amount -2"),
    "end-before-start": (contract("contractor: openai", "contractor: openai, start_date: 2026-09-01, "
                                              "end_date: 2026-07"), 5, r"end date 2026-07 .* is before start date 2026-09-01"),
    "wrong-class": (contract("awarding_agency: dod", "awarding_agency: openai"), 5,
                    r"'awarding_agency' must be a GovernmentAgency, but 'openai' is a Company"),
    "month-13": (contract("contractor: openai", "contractor: openai, date: 2024-13"), 5, r"no such date"),
    # moved from tests/test_hardening.py (issue 13: F1-F6, F19)
    "newline-after-id": ('entities:\n  - {id: "z\\n", type: Company, label: {en: Z}, sources: [article-fr]}\n', 2,
                         r"is not a slug"),
    "newline-after-reference": (contract("contractor: openai", 'contractor: "openai\\n"'), 5,
                                r"expected an id"),
    "newline-after-qid": ('entities:\n  - {id: z, type: Company, label: {en: Z}, sources: [article-fr], '
                          'wikidata: "Q1\\n"}\n', 2, r"is not a Q-number"),
    "newline-after-language": ('entities:\n  - {id: z, type: Company, label: {en: Z, "fr\\n": Z}, '
                               'sources: [article-fr]}\n', 2, r"is not a language code"),
    "newline-after-source-language": ('sources:\n  - {id: t, title: T, language: "en\\n"}\n', 2,
                                      r"is not a BCP 47 code"),
    "newline-after-url": ('entities:\n  - {id: z, type: Company, label: {en: Z}, sources: [article-fr], '
                          'url: "https://e.org/\\n"}\n', 2, r"must be an http\(s\) URL"),
    "newline-after-duration": (contract("contractor: openai", 'contractor: openai, start_date: 2025-01-01, '
                                                    'duration: "P1Y\\n"'), 5, r"ISO 8601 duration"),
    "other-script-digits-in-duration": (contract("contractor: openai", 'contractor: openai, '
                                                             'start_date: 2025-01-01, duration: "P\u0661Y"'), 5,
                                        r"ISO 8601 duration"),
    "other-script-digits-in-date": (contract("contractor: openai", 'contractor: openai, date: "\u0662\u0660\u0662\u0664"'),
                                    5, r"expected a date"),
    "lone-surrogate": ('entities:\n  - {id: z, type: Company, label: {en: "Z\\ud800"}, sources: [article-fr]}\n',
                       2, r"lone surrogate \(U\+D800\)"),
    "impossible-unquoted-date": (contract("contractor: openai", "contractor: openai, date: 2025-02-30"), 5,
                                 r"no such date: 2025-02-30"),
    "year-0000": (contract("contractor: openai", "contractor: openai, date: \"0000\""), 5,
                  r"no such date: '0000'"),
    "year-0000-unquoted": (contract("contractor: openai", "contractor: openai, date: 0000-01-01"), 5,
                           r"no such date"),
    "a-year-after-9999": (contract("contractor: openai", "contractor: openai, start_date: 9999-12-01, "
                                               "duration: P1Y"), 5, r"ends after the year 9999"),
    "huge-duration": (contract("contractor: openai", "contractor: openai, start_date: 2020-12-01, "
                                           "duration: P99999999999Y"), 5, r"ends after the year 9999"),
    "amount-of-29-digits": (contract("contractor: openai", "contractor: openai, value: "
                                                 "{amount: 12345678901234567890123456789, currency: USD}"), 5,
                            r"more than 28 significant digits"),
    "amount-of-29-digits-with-decimals": (contract("contractor: openai", "contractor: openai, value: "
                                                               "{amount: '1234567890123456789012345678.5', currency: USD}"),
                                          5, r"more than 28 significant digits"),
    "number-of-5000-digits": (contract("contractor: openai", "contractor: openai, offers: " + "9" * 5000), 5,
                              r"number too long"),
    "deep-nesting": ("facts:\n  - id: g\n    label: " + "[" * 3000 + "]" * 3000 + "\n", 3, r"nested more than 64"),
    "nul-character": ('sources:\n  - {id: t, title: "T\x00", language: en}\n', 2,
                      r"malformed YAML: character U\+0000 is not allowed"),
    # more of the same families
    "unknown-top-level-key": ("source:\n  - {id: t, title: T, language: en}\n", 1,
                              r"unknown top-level key 'source'"),
    "unknown-entity-key": ("entities:\n  - {id: z, type: Company, label: {en: Z}, sources: [article-fr], "
                           "lable: Z}\n", 2, r"unknown key 'lable' in entity"),
    "alias-bomb": ("facts:\n  - id: g\n    type: Partnership\n    label: *a3\n"
                   + "".join(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" if i else
                             'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' for i in range(4)),
                   4, r"YAML aliases \(\*a3\) are not allowed"),
    "duplicate-key": (contract("contractor: openai", "contractor: openai, contractor: anduril"), 5,
                      r"duplicate key 'contractor'"),
    "huge-integer-amount": (contract("contractor: openai", "contractor: openai, value: "
                                                 "{amount: 1e400, currency: USD}"), 5, r"more than 28 significant digits"),
    "infinite-amount": (contract("contractor: openai", "contractor: openai, value: "
                                             "{amount: .inf, currency: USD}"), 5, r"amount must be a finite number"),
    "fact-and-entity-same-id": ("facts:\n  - id: openai\n    type: Contract\n    claims:\n"
                                "      - {source: article-fr, quote: \"q\", awarding_agency: dod, contractor: anduril}\n",
                                2, r"fact id 'openai' is also an entity id"),
    "not-a-mapping": ("- just\n- a list\n", 1, r"expected a mapping with 'sources', 'entities' and/or 'facts'"),
    "tab-indentation": ("facts:\n\t- id: g\n", 2, r"malformed YAML"),
}

#: case file -> (rows or text, expectation); imported with kg import usaspending as AS
GOOD_NAME = "Contracts_PrimeAwardSummaries_bad_1.csv"


def award(i: int, **extra) -> dict:
    key = f"CONT_AWD_TESTAWARD000{i}_9700_-NONE-_-NONE-"
    return {**OPENAI_AWARD, "contract_award_unique_key": key, "award_id_piid": key[9:22],
            "recipient_uei": f"TESTRECIPNT{i}", "recipient_name": f"RECIPIENT NUMBER {i} LLC",
            "recipient_name_raw": f"RECIPIENT NUMBER {i} LLC", "recipient_parent_uei": "", "recipient_parent_name": "",
            **extra}


def csv_text(rows: list[dict], key: str = "award.d1") -> str:
    import csv
    import io

    cols = columns(key)
    out = io.StringIO()
    w = csv.DictWriter(out, cols, lineterminator="\r\n")
    w.writeheader()
    for row in rows:
        w.writerow({c: row.get(c, "") for c in cols})
    return out.getvalue()


def main() -> None:
    cases: dict[str, dict] = {}
    (HERE / "yaml").mkdir(exist_ok=True)
    for name, (text, line, message) in YAML.items():
        (HERE / "yaml" / f"{name}.yaml").write_bytes(text.encode("utf-8"))
        cases[f"yaml/{name}.yaml"] = {"run": ["validate", "build"], "exit": 2, "line": line, "message": message}

    usa = HERE / "usaspending"
    usa.mkdir(exist_ok=True)
    good = csv_text([award(1), award(2), award(3)])
    (usa / "good.csv").write_text(good, encoding="utf-8", newline="")
    header, *rows = good.split("\r\n")

    def usa_case(name: str, content: bytes | str, exit: int, message: str, *, before: bool = False,
                 reject: bool = False) -> None:
        path = usa / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        case = {"run": ["import usaspending"], "as": GOOD_NAME, "exit": exit, "message": message}
        if before:
            case["before"] = "usaspending/good.csv"
        if reject:
            case["reject"] = True
        cases[f"usaspending/{name}"] = case

    usa_case("wrong-layout.csv", "award_id,amount,recipient\nX1,5,ACME\n", 2, r"not a USAspending")
    usa_case("header-only-replacing-a-good-file.csv", header + "\r\n", 2,
             r"this version has 0 records \(0 rows\), the one it would replace .* has 3 records \(3 rows\).*--replace", before=True)
    usa_case("cut-in-a-row.csv", good[: good.index("PROTOTYPE", len(header) + len(rows[0]) + 4) + 4], 2,
             r":3: truncated: the last row has \d+ of \d+ fields and the file does not end with a newline")
    usa_case("not-utf8.csv", csv_text([award(1, recipient_name="SOCIÉTÉ GÉNÉRALE SA")]).encode("cp1252"), 2,
             r":2: not utf-8 text: byte 0xC9 at column .*--encoding cp1252")
    usa_case("nul-in-a-field.csv", csv_text([award(1, recipient_name="BAD\x00NAME LLC")]), 0,
             r"row 2: rejected: recipient_name: control character U\+0000 at position 4", reject=True)
    usa_case("escape-in-a-field.csv", csv_text([award(1, prime_award_base_transaction_description="ESC\x1b[31m")]), 0,
             r"row 2: rejected: prime_award_base_transaction_description: control character U\+001B", reject=True)
    usa_case("oversize-field.csv", csv_text([award(1, prime_award_base_transaction_description="X" * 100_001)]), 0,
             r"row 2: rejected: prime_award_base_transaction_description: 100,001 characters, more than the 100,000",
             reject=True)
    usa_case("amount-of-29-digits.csv", csv_text([award(1, total_obligated_amount="1" + "0" * 28)]), 0,
             r"row 2: rejected: total_obligated_amount: .* has more than 28 significant digits", reject=True)
    usa_case("amount-not-a-number.csv", csv_text([award(1, total_obligated_amount="12,3x")]), 0,
             r"row 2: rejected: total_obligated_amount: '12,3x' is not a number", reject=True)
    usa_case("impossible-date.csv", csv_text([award(1, award_base_action_date="2025-02-30")]), 0,
             r"row 2: rejected: award_base_action_date: no such date '2025-02-30'", reject=True)
    usa_case("empty-file.csv", "", 2, r"empty|no header|not a USAspending")

    ocds = HERE / "ocds"
    ocds.mkdir(exist_ok=True)
    release = {"ocid": "ocds-abc-1", "id": "1", "date": "2025-01-01", "buyer": {"name": "Ministry of Defence"},
               "awards": [{"id": "a1", "suppliers": [{"name": "Acme Ltd"}]}]}

    def json_case(kind: str, name: str, text: str, exit: int, message: str, reject: bool = False) -> None:
        folder = HERE / kind
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
        case = {"run": [f"import {kind}"], "as": "release-package.json" if kind == "ocds" else "entities.json",
                "exit": exit, "message": message}
        if reject:
            case["reject"] = True
        cases[f"{kind}/{name}"] = case

    json_case("ocds", "bods-statements.json", json.dumps([{"statementID": "1", "statementType": "entityStatement",
                                                             "name": "Acme"}]),
              2, r"Beneficial Ownership Data Standard \(BODS\) statements, not OCDS releases")
    json_case("ocds", "release-without-ocid.json", json.dumps({"releases": [{"id": "1", "date": "2025-01-01"}]}), 2,
              r"its first release \(/releases/0\) has no ocid")
    json_case("ocds", "awards-a-number.json", json.dumps({"releases": [{**release, "awards": 5}]}), 0,
              r"/releases/0: rejected: awards: 5 is a number, not an array", reject=True)
    json_case("ocds", "tender-a-string.json", json.dumps({"releases": [{**release, "tender": "t"}]}), 0,
              r"rejected: tender: 't' is a string, not an object", reject=True)
    json_case("ocds", "identifier-a-string.json", json.dumps({"releases": [{**release, "parties": [
        {"id": "1", "name": "Acme", "identifier": "GB-123"}]}]}), 0,
        r"rejected: parties/0/identifier: 'GB-123' is a string, not an object", reject=True)
    json_case("ocds", "deep-nesting.json", '{"releases": [' + "[" * 100_000 + "]" * 100_000 + "]}", 2,
              r"JSON nested too deeply in /releases/0")
    json_case("ocds", "number-of-5000-digits.json",
              '{"releases": [{"ocid": "x", "awards": [{"value": {"amount": ' + "9" * 5000 + "}}]}]}", 2,
              r"malformed JSON in /releases/0: Exceeds the limit \(4300 digits\)")
    json_case("ocds", "cut-short.json", json.dumps({"releases": [release, release]})[:-30], 2, r"truncated JSON")
    json_case("ocds", "usaspending-answer.json", json.dumps({"results": [{"internal_id": 1, "Award ID": "X"}]}), 2,
              r"not an OCDS release or record package")
    json_case("usaspending", "other-endpoint.json", json.dumps({"category": "awarding_agency", "results": [
        {"amount": 12.5, "name": "DoD", "code": "097", "id": 1}]}), 2,
        r"not a spending_by_award response: its results are not awards")
    json_case("usaspending", "ocds-to-usaspending.json", json.dumps({"releases": [release]}), 2,
              r"not a USAspending API award response")
    json_case("wikidata", "not-entities.json", json.dumps({"releases": [release]}), 2, r"not a Wikidata|entities")

    index = ["# The bad-input corpus: one entry per case file (made by make.py; run by tests/test_bad_corpus.py).",
             "# run: the commands; exit: the exit code; line: the line the error names (YAML cases);",
             "# message: a regular expression the one stderr line matches; as: the name the file is imported",
             "# under; before: a good file imported under that name first; reject: the line is a row's reject",
             "# line (kg: FILE: WHERE: rejected: ...) and the import writes no record."]
    import yaml

    index.append(yaml.safe_dump(cases, sort_keys=True, allow_unicode=True, width=200))
    (HERE / "cases.yaml").write_text("\n".join(index), encoding="utf-8")


if __name__ == "__main__":
    main()
