"""Stream the items of a large JSON document without loading it whole.

OCDS packages hold their releases in one top-level array, Wikidata dumps are one array of
entities, ``wbgetentities`` answers hold an object of entities: :func:`iter_json` yields
the items of such a member one at a time, each with its JSON pointer, and every other
top-level member whole. JSON Lines files (one value per line) are read line by line.

Example
-------
>>> import io
>>> doc = io.StringIO('{"publisher": {"name": "X"}, "releases": [{"id": 1}, {"id": 2}]}')
>>> list(iter_json(doc, stream=("releases",)))
[('/publisher', {'name': 'X'}), ('/releases/0', {'id': 1}), ('/releases/1', {'id': 2})]
>>> list(iter_json(io.StringIO('[10, 20]')))
[('/0', 10), ('/1', 20)]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO

__all__ = ["iter_json", "iter_json_lines", "JSONProblem", "pointer"]

_WS = " \t\n\r"


class JSONProblem(ValueError):
    """Malformed or truncated JSON; ``line`` is the 1-based line where reading stopped."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def pointer(*parts) -> str:
    """A JSON pointer (RFC 6901) from its reference tokens.

    >>> pointer("entities", "Q1/2", 0)
    '/entities/Q1~12/0'
    """
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class _Reader:
    def __init__(self, fh: IO[str], chunk: int = 1 << 20, parse_float: Callable[[str], object] | None = None):
        self.fh = fh
        self.chunk = chunk
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # line of buf[0]
        self.decoder = json.JSONDecoder(parse_float=parse_float)

    def _fill(self, at_least: int | None = None) -> bool:
        if self.eof:
            return False
        # drop what was consumed, keeping line numbers right
        if self.pos:
            self.line += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos:]
            self.pos = 0
        data = self.fh.read(max(self.chunk, at_least or 0))
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def where(self) -> int:
        return self.line + self.buf.count("\n", 0, self.pos)

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str, context: str) -> str:
        c = self.peek()
        if c == "":
            raise JSONProblem(f"truncated JSON: the file ends inside {context or 'the document'}", self.where())
        if c not in chars:
            raise JSONProblem(f"malformed JSON in {context or 'the document'}: expected {' or '.join(chars)!s}, found {c!r}", self.where())
        self.pos += 1
        return c

    def value(self, context: str):
        self.peek()
        size = self.chunk
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except RecursionError:
                raise JSONProblem(f"JSON nested too deeply in {context or 'the document'}", self.where()) from None
            except json.JSONDecodeError as exc:
                # maybe the value continues past the buffer: read more and retry
                if self._fill(size):
                    size *= 2
                    continue
                if exc.pos >= len(self.buf) - 1 or "Unterminated" in exc.msg or "Expecting" in exc.msg and exc.pos >= len(self.buf.rstrip()) - 1:
                    raise JSONProblem(f"truncated JSON: the file ends inside {context or 'the document'}", self.where()) from None
                raise JSONProblem(f"malformed JSON in {context or 'the document'}: {exc.msg}", self.line + self.buf.count("\n", 0, exc.pos)) from None
            except ValueError as exc:  # an integer of more than 4,300 digits
                raise JSONProblem(f"malformed JSON in {context or 'the document'}: {str(exc).split(';')[0]}",
                                  self.where()) from None
            # a number at the very end of the buffer may continue in the next chunk
            if end == len(self.buf) and not self.eof and isinstance(value, (int, float, Decimal)):
                if self._fill(size):
                    continue
            self.pos = end
            return value


def iter_json(fh: IO[str], stream: tuple[str, ...] = (), parse_float: Callable[[str], object] | None = None,
              ) -> Iterator[tuple[str, object]]:
    """Yield ``(json_pointer, value)``: the items of a top-level array, or, for a top-level
    object, the items of the members named in ``stream`` (arrays or objects) one by one
    and every other member whole.

    ``parse_float`` is as in :func:`json.loads` (``decimal.Decimal`` keeps a number's digits).
    Raises :class:`JSONProblem` for malformed or truncated JSON.
    """
    r = _Reader(fh, parse_float=parse_float)
    first = r.peek()
    if first == "":
        raise JSONProblem("empty file: expected a JSON document", 1)
    if first == "[":
        yield from _items(r, ())
    elif first == "{":
        r.pos += 1
        if r.peek() == "}":
            r.pos += 1
        else:
            while True:
                key = r.value("an object key")
                if not isinstance(key, str):
                    raise JSONProblem("malformed JSON: expected an object key", r.where())
                r.expect(":", pointer(key))
                if key in stream and r.peek() in "[{":
                    yield from _items(r, (key,))
                else:
                    yield pointer(key), r.value(pointer(key))
                if r.expect(",}", "the top-level object") == "}":
                    break
    else:
        raise JSONProblem(f"expected a JSON object or array, found {first!r}", r.where())
    if r.peek() != "":
        raise JSONProblem("malformed JSON: extra data after the document", r.where())


def _items(r: _Reader, path: tuple) -> Iterator[tuple[str, object]]:
    opener = r.expect("[{", pointer(*path))
    closer = "]" if opener == "[" else "}"
    if r.peek() == closer:
        r.pos += 1
        return
    index = 0
    while True:
        if opener == "[":
            where = pointer(*path, index)
            yield where, r.value(where)
        else:
            key = r.value(pointer(*path))
            if not isinstance(key, str):
                raise JSONProblem("malformed JSON: expected an object key", r.where())
            r.expect(":", pointer(*path, key))
            where = pointer(*path, key)
            yield where, r.value(where)
        index += 1
        if r.expect("," + closer, pointer(*path)) == closer:
            return


def iter_json_lines(fh: IO[str], parse_float: Callable[[str], object] | None = None) -> Iterator[tuple[str, object]]:
    """Yield ``("line N", value)`` for each non-blank line of a JSON Lines file."""
    for n, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            yield f"line {n}", json.loads(line, parse_float=parse_float)
        except json.JSONDecodeError as exc:
            raise JSONProblem(f"malformed JSON Lines: {exc.msg}", n) from None
        except RecursionError:
            raise JSONProblem("JSON nested too deeply", n) from None
        except ValueError as exc:  # an integer of more than 4,300 digits
            raise JSONProblem(f"malformed JSON Lines: {str(exc).split(';')[0]}", n) from None
