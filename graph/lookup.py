"""Find an actor by id, label or alias, in English or French, ignoring case and accents.

An ambiguous name lists the candidates instead of guessing; an unknown one suggests the
closest names.

Example
-------
>>> from graph import build
>>> actors = build("data").actors
>>> find(actors, "pentagone"), find(actors, "Département de la Défense"), find(actors, "OPENAI")
('dod', 'dod', 'openai')
>>> find(actors, "Pentagram")
Traceback (most recent call last):
...
graph.lookup.UnknownActor: no actor named 'Pentagram' (did you mean: Pentagon, Pentagone?)
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from typing import TYPE_CHECKING

from graph.errors import DataError

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["normalize", "find", "candidates", "Names", "UnknownActor", "AmbiguousActor"]


class Names:
    """Actors and their names, as :func:`find` reads them from a networkx graph (``nodes[n]``,
    ``nodes(data=True)``), without networkx: the few candidates a store returns for a name.

    >>> names = Names()
    >>> names.add_node("dod", label="Department of Defense", label_fr="Pentagone", aliases=[])
    >>> find(names, "pentagone")
    'dod'
    """

    def __init__(self):
        self._data: dict = {}

    def add_node(self, node: str, **attrs) -> None:
        self._data[node] = attrs

    def update(self, other: Names) -> None:
        self._data.update(other._data)

    def __contains__(self, node) -> bool:
        return node in self._data

    def __len__(self) -> int:
        return len(self._data)

    @property
    def nodes(self) -> _NodeView:
        return _NodeView(self._data)


class _NodeView:
    def __init__(self, data: dict):
        self._data = data

    def __getitem__(self, node):
        return self._data[node]

    def __iter__(self):
        return iter(self._data)

    def __call__(self, data: bool = False):
        return list(self._data.items()) if data else list(self._data)


class UnknownActor(DataError):
    """No actor has that id, label or alias. Exit code 2."""


class AmbiguousActor(DataError):
    """Several actors match; the message lists them. Exit code 2."""


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: ``"Département  d'État"`` -> ``"departement d etat"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", stripped.casefold()).strip()


def _names(node: str, data: dict) -> list[str]:
    return [node, data.get("label", ""), data.get("label_fr", ""), *data.get("aliases", [])]


def candidates(actors: nx.Graph, name: str) -> list[str]:
    """Node ids whose id, label or alias equals ``name`` once normalised (else: start with it);
    an exact id wins over names that only match ignoring case."""
    if name in actors:
        return [name]
    key = normalize(name)
    if not key:
        return []
    exact = sorted(n for n, d in actors.nodes(data=True) if key in {normalize(x) for x in _names(n, d) if x})
    if exact:
        return exact
    return sorted(
        n for n, d in actors.nodes(data=True) if any(normalize(x).startswith(key) for x in _names(n, d) if x)
    )


def find(actors: nx.Graph, name: str) -> str:
    """The node id of the one actor called ``name``; raises UnknownActor / AmbiguousActor."""
    found = candidates(actors, name)
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(f"{n} ({actors.nodes[n].get('label', n)})" for n in found)
        raise AmbiguousActor(f"'{name}' is ambiguous: {listed}")
    every = {normalize(x): x for n, d in actors.nodes(data=True) for x in _names(n, d) if x}
    close = difflib.get_close_matches(normalize(name), list(every), n=3, cutoff=0.6)
    hint = f" (did you mean: {', '.join(every[c] for c in close)}?)" if close else ""
    raise UnknownActor(f"no actor named '{name}'{hint}")
