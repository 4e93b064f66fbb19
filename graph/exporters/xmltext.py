"""Escaping for the XML formats (RDF/XML, GraphML, GEXF), so that every string survives.

Carriage returns, newlines and tabs in attributes are written as character references
(an XML parser would otherwise normalise them to spaces or newlines), and so are U+0085,
U+2028 and U+2029 everywhere (XML 1.1 parsers and some JavaScript ones, such as xmldom,
turn them into line breaks); characters that XML 1.0 cannot carry at all raise
:class:`ExportError`.

Example
-------
>>> escape_attr('a "b" <c>\\n')
'a &quot;b&quot; &lt;c&gt;&#10;'
>>> escape_text("x\\r\\ny & z\u2028")
'x&#13;\\ny &amp; z&#8232;'
"""

from __future__ import annotations

import re

from graph.errors import ExportError

__all__ = ["escape_text", "escape_attr"]

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", "\x85": "&#133;", "\u2028": "&#8232;",
         "\u2029": "&#8233;"}
_ATTR = {**_TEXT, '"': "&quot;", "\n": "&#10;", "\t": "&#9;"}
_TEXT_RE = re.compile("[&<>\r\x85\u2028\u2029]")
_ATTR_RE = re.compile('[&<>\r"\n\t\x85\u2028\u2029]')


def _check(text: str) -> str:
    if _FORBIDDEN.search(text):
        raise ExportError(f"a value holds a character that XML 1.0 cannot carry: {text[:60]!r}")
    return text


def escape_text(text: str) -> str:
    """``text`` as XML character data."""
    return _TEXT_RE.sub(lambda m: _TEXT[m.group()], _check(str(text)))


def escape_attr(text: str) -> str:
    """``text`` as a double-quoted XML attribute value."""
    return _ATTR_RE.sub(lambda m: _ATTR[m.group()], _check(str(text)))
