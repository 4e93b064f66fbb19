"""Read YAML safely, remembering the line of every mapping and key.

Mappings come back as :class:`LineDict` (a dict with ``.line`` and ``.key_lines``) so that
errors can name the exact line. Duplicate keys in one mapping are an error (PyYAML would
silently keep the last one).

Example
-------
>>> d = loads("a: 1\\nb:\\n  c: 2\\n", "x.yaml")
>>> d["b"]["c"], d.line, d.key_lines["b"], d["b"].line
(2, 1, 2, 3)
>>> loads("a: 1\\na: 2\\n", "x.yaml")
Traceback (most recent call last):
...
graph.errors.DataError: x.yaml:2: duplicate key 'a' (first at line 1)
"""

from __future__ import annotations

from pathlib import Path

import yaml

from graph.errors import DataError

__all__ = ["LineDict", "LineList", "load", "loads"]


class LineDict(dict):
    """A dict that knows the line (1-based) where it and each of its keys start."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A list that knows the line where it starts."""

    line: int = 0


def _make_loader(filename: str):
    class Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader, node, deep=False):
        loader.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise DataError(f"unsupported mapping key {key!r}", file=filename, line=key_node.start_mark.line + 1)
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise DataError(
                    f"duplicate key '{key}' (first at line {out.key_lines[key]})",
                    file=filename,
                    line=key_node.start_mark.line + 1,
                )
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_sequence(loader, node, deep=False):
        out = LineList(loader.construct_object(child, deep=True) for child in node.value)
        out.line = node.start_mark.line + 1
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return Loader


def loads(text: str, filename: str = "<string>"):
    """Parse YAML text; errors are :class:`DataError` naming ``filename`` and the line."""
    try:
        return yaml.load(text, Loader=_make_loader(filename))  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise DataError(f"malformed YAML: {problem}", file=filename, line=line) from None
    except yaml.YAMLError as exc:
        raise DataError(f"malformed YAML: {exc}", file=filename) from None


def load(path: str | Path):
    """Parse a YAML file (UTF-8)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", file=str(path)) from None
    return loads(text, str(path))
