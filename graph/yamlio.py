"""Read YAML safely, remembering the line of every mapping and key.

Mappings come back as :class:`LineDict` (a dict with ``.line`` and ``.key_lines``) so that
errors can name the exact line. Duplicate keys in one mapping are an error (PyYAML would
silently keep the last one). So are, each with its line: aliases (``*name``: a few hundred
bytes of them expand to gigabytes), nesting deeper than :data:`MAX_DEPTH`, a date that does
not exist (``2025-02-30``), a lone surrogate (``"\\ud800"``: not text, no export can write
it) and a control character such as NUL.

Example
-------
>>> d = loads("a: 1\\nb:\\n  c: 2\\n", "x.yaml")
>>> d["b"]["c"], d.line, d.key_lines["b"], d["b"].line
(2, 1, 2, 3)
>>> loads("a: 1\\na: 2\\n", "x.yaml")
Traceback (most recent call last):
...
graph.errors.DataError: x.yaml:2: duplicate key 'a' (first at line 1)
>>> loads("a: &x [1]\\nb: *x\\n", "x.yaml")
Traceback (most recent call last):
...
graph.errors.DataError: x.yaml:2: YAML aliases (*x) are not allowed in data files: write the value out
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from graph.errors import DataError

__all__ = ["LineDict", "LineList", "load", "loads", "MAX_DEPTH"]

#: how deep mappings and lists may nest in a data file (the data format needs five levels)
MAX_DEPTH = 64

_SURROGATE = re.compile("[\ud800-\udfff]")


class LineDict(dict):
    """A dict that knows the line (1-based) where it and each of its keys start."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A list that knows the line where it starts."""

    line: int = 0


def _make_loader(filename: str):
    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise DataError(f"YAML aliases (*{_short(event.anchor)}) are not allowed in data files: "
                                "write the value out", file=filename, line=event.start_mark.line + 1)
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise DataError(f"nested more than {MAX_DEPTH} levels deep", file=filename,
                                    line=self.peek_event().start_mark.line + 1)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    def construct_str(loader, node):
        value = loader.construct_scalar(node)
        found = _SURROGATE.search(value)
        if found:
            raise DataError(f"a lone surrogate (U+{ord(found.group()):04X}) is not text: write the character "
                            "itself", file=filename, line=node.start_mark.line + 1)
        return value

    def construct_int(loader, node):
        try:
            return yaml.SafeLoader.construct_yaml_int(loader, node)
        except ValueError:  # past 4,300 digits Python refuses to read an int
            raise DataError(f"number too long: {_short(node.value)}", file=filename,
                            line=node.start_mark.line + 1) from None

    def construct_timestamp(loader, node):
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except (ValueError, OverflowError):
            raise DataError(f"no such date: {_short(node.value)}", file=filename,
                            line=node.start_mark.line + 1) from None

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
    Loader.add_constructor("tag:yaml.org,2002:str", construct_str)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return Loader


def _short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, for a message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def loads(text: str, filename: str = "<string>"):
    """Parse YAML text; errors are :class:`DataError` naming ``filename`` and the line."""
    try:
        return yaml.load(text, Loader=_make_loader(filename))  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise DataError(f"malformed YAML: {' '.join(problem.split())}", file=filename, line=line) from None
    except yaml.reader.ReaderError as exc:  # a control character (NUL, ...): PyYAML says where in two lines
        line = text.count("\n", 0, exc.position) + 1
        raise DataError(f"malformed YAML: character U+{exc.character:04X} is not allowed ({exc.reason})",
                        file=filename, line=line) from None
    except yaml.YAMLError as exc:
        raise DataError(f"malformed YAML: {' '.join(str(exc).split())}", file=filename) from None
    except RecursionError:  # beyond MAX_DEPTH, PyYAML's own recursion (should not be reached)
        raise DataError("malformed YAML: nested too deeply", file=filename) from None


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
