"""A corpus of nasty strings, and a copy of the seed data that carries them everywhere.

Each string targets one way an export can break or be turned into code: quotes, backslashes,
newlines and carriage returns, backticks, ``;``, emoji and right-to-left text, Unicode line
separators, ``</script>``, Cypher, SPARQL, N-Triples, XML and template injections.
:func:`nasty_data` adds a source, two companies, a partnership, a contract and an assertion
whose labels, aliases, descriptions, titles, notes, quotes and inferences hold them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

__all__ = ["NASTY", "nasty_data", "NASTY_LABEL", "NASTY_QUOTE"]

NASTY = [
    'double "quotes" and \'single\' quotes',
    "back\\slash, \\n (not a newline), \\\\ two, trailing \\",
    "new\nline, CR\rLF\r\n and\ttab",
    "back`tick` and ``double`` and `); MATCH (n) DETACH DELETE n //",
    "semi;colon; DROP TABLE facts; --",
    "emoji 🚀🛰️👩🏽‍💻 and RTL: الذكاء الاصطناعي עברית \u200f mark \u202e override",
    "</script><script>alert(1)</script>",
    "'); MATCH (n) DETACH DELETE n //",
    '"}); MATCH (n) DETACH DELETE n; //',
    "]]> <!-- comment --> &amp; &lt; <tag attr=\"x\"> & <",
    "${jndi:ldap://127.0.0.1/x} {{7*7}} %s %n {0}",
    "line\u2028separator\u2029paragraph\u0085next-line",
    '_:b0 <http://evil.example/> "x" . } DROP ALL ; INSERT DATA { <a> <b> <c> }',
    "  leading and trailing spaces  ",
    "CALL db.clear() RETURN 1 UNION MATCH (n) SET n.pwned = true",
]
NASTY_LABEL = "Nasty \"Corp\" `; MATCH (n) DETACH DELETE n //</script>"
NASTY_QUOTE = "\n".join(NASTY)


def nasty_data(source: Path, target: Path) -> Path:
    """Copy the data folder ``source`` to ``target`` and add the nasty facts; returns ``target``."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".kg"))
    doc = {
        "sources": [{
            "id": "nasty-source",
            "title": NASTY[0] + " " + NASTY[6],
            "language": "en",
            "published": "2025-06",
            "kind": "news-article",
            "note": NASTY_QUOTE,
        }],
        "entities": [
            {
                "id": "nasty-corp",
                "type": "Company",
                "label": {"en": NASTY_LABEL, "fr": NASTY[5]},
                "aliases": {"en": NASTY[:4]},
                "description": {"en": NASTY_QUOTE},
                "sources": ["nasty-source"],
            },
            {
                "id": "nasty-partner",
                "type": "Company",
                "label": {"en": NASTY[7]},
                "sources": ["nasty-source"],
            },
        ],
        "facts": [
            {
                "id": "nasty-partnership",
                "type": "Partnership",
                "label": {"en": NASTY[8], "fr": NASTY[11]},
                "claims": [{
                    "source": "nasty-source",
                    "quote": NASTY_QUOTE,
                    "inference": NASTY[12],
                    "party": ["nasty-corp", "nasty-partner", "openai"],
                    "date": "2025-05",
                    "purpose": {"en": NASTY[9]},
                }],
            },
            {
                "id": "nasty-contract",
                "type": "Contract",
                "label": {"en": NASTY[3]},
                "claims": [{
                    "source": "nasty-source",
                    "quote": NASTY[4] + " " + NASTY[10],
                    "awarding_agency": "dod",
                    "contractor": "nasty-corp",
                    "value": {"amount": 1234567, "currency": "USD"},
                    "start_date": "2025-06-01",
                    "note": {"en": NASTY[14]},
                }],
            },
            {
                "id": "nasty-assertion",
                "type": "Assertion",
                "label": {"en": NASTY[13]},
                "claims": [{
                    "source": "nasty-source",
                    "quote": NASTY[2],
                    "about": "nasty-contract",
                    "statement": {"en": NASTY_QUOTE},
                    "modality": "reported",
                }],
            },
        ],
    }
    text = yaml.safe_dump(doc, allow_unicode=False, sort_keys=False, width=10_000)
    (target / "zz-nasty.yaml").write_text(text, encoding="utf-8")
    return target
