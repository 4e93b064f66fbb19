"""JSON documents written an item at a time, byte for byte what ``json.dumps(doc,
indent=1, sort_keys=True, ensure_ascii=False)`` writes for the whole document.

Example
-------
>>> import json
>>> doc = {"b": [{"x": 1}, {"y": [2, 3]}], "a": True}
>>> "".join(document({"a": True, "b": iter([{"x": 1}, {"y": [2, 3]}])})) == json.dumps(
...     doc, indent=1, sort_keys=True, ensure_ascii=False)
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

__all__ = ["document", "dumps"]


def dumps(value, depth: int = 0) -> str:
    """``value`` as it stands ``depth`` levels deep in an ``indent=1`` document."""
    text = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * depth) if depth else text  # JSON strings hold no raw newline


def document(doc: dict, depth: int = 0) -> Iterator[str]:
    """``doc`` (a dict whose values may be iterators: written as arrays, an item at a time;
    or dicts holding them) in chunks."""
    if not doc:
        yield "{}"
        return
    pad = " " * (depth + 1)
    yield "{"
    for i, key in enumerate(sorted(doc)):
        yield ("," if i else "") + "\n" + pad + json.dumps(key, ensure_ascii=False) + ": "
        value = doc[key]
        if isinstance(value, dict):
            yield from document(value, depth + 1)
        elif isinstance(value, Iterator):
            yield from _array(value, depth + 1)
        else:
            yield dumps(value, depth + 1)
    yield "\n" + " " * depth + "}"


def _array(items: Iterable, depth: int) -> Iterator[str]:
    pad = " " * (depth + 1)
    first = True
    for item in items:
        yield ("[\n" if first else ",\n") + pad
        first = False
        if isinstance(item, dict) and any(isinstance(v, Iterator | dict) for v in item.values()):
            yield from document(item, depth + 1)
        else:
            yield dumps(item, depth + 1)
    yield "[]" if first else "\n" + " " * depth + "]"
