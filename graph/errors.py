"""The one exception family of defense-ai-graph.

Every error a user can cause (bad YAML, unknown entity, missing source, ...) is a
:class:`GraphError` whose message names the file and line, or the entity, at fault.
The CLI prints it on one line and exits with :attr:`GraphError.exit_code`.

Example
-------
>>> err = DataError("unknown entity 'opneai'", file="data/facts.yaml", line=12)
>>> str(err)
"data/facts.yaml:12: unknown entity 'opneai'"
>>> err.exit_code
2
"""

from __future__ import annotations

__all__ = ["DATA_NOT_FOUND", "GraphError", "DataError", "ValidationError", "ExportError", "PushError", "shown"]


def shown(value, limit: int = 60, *, quote: bool = True) -> str:
    """``value`` for a message: its ``repr`` (``str`` if not ``quote``), on one line and at most
    ``limit`` characters, whatever its size (a value from a data file may be huge).

    >>> shown("a" * 100, 12), shown({"k": list(range(1000))}, 30), shown("x", quote=False)
    ("'aaa...aaaa'", "{'k': [0, 1, 2, 3, 4, 5, ...]}", 'x')
    """
    import reprlib

    if quote or not isinstance(value, (str, int, float)):
        r = reprlib.Repr()
        r.maxstring = r.maxother = r.maxlong = limit
        text = r.repr(value)
    else:
        text = str(value)[: 4 * limit]
    text = " ".join(text.split()) if "\n" in text or "\r" in text else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: what a command says when its data folder is not there, and how to point at one
DATA_NOT_FOUND = "data folder not found: run kg in a project folder (one with data/), or give --data DIR (or KG_DATA=DIR)"


class GraphError(Exception):
    """Base class: an error with a location and an exit code (1: runtime failure)."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"


class DataError(GraphError):
    """The input data is wrong (malformed file, unknown entity, bad value). Exit code 2."""

    exit_code = 2


class ValidationError(DataError):
    """The built graph does not conform to the SHACL shapes. Exit code 2."""


class ExportError(GraphError):
    """An export could not be written (unknown format, unwritable path). Exit code 1."""


class PushError(GraphError):
    """A push to a triple store or graph database failed (the target graph is left as it was).
    Exit code 1. The message never holds a credential."""
