"""The tokens of a SPARQL query text, for the rewrites that must not look inside its
comments, strings and IRIs (``--as-of``'s checks, the parameters bound for an endpoint).

>>> [m.lastgroup for m in TOKEN.finditer('SELECT ?x { ?x rdfs:label "}" }')
...  if m.lastgroup != "space"]
['word', 'var', 'open', 'var', 'pname', 'string', 'close']
"""

from __future__ import annotations

import re

__all__ = ["TOKEN"]

#: one token: a comment, a string, an IRI, a variable, a prefixed name, a word, a brace,
#: white space or any other character (the group's name says which)
TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w%-]|\.(?=[\w%-]))*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<open>\{) | (?P<close>\}) | (?P<space>\s+) | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
