"""The in-memory backend (the default): the graph built from the data folder with rdflib.

It is what every command did before stores existed, behind the store interface, so that
tests and callers can treat the three backends alike.

Example
-------
>>> store = MemoryStore.build("data")
>>> store.query("ASK { id:openai a dai:Company }").boolean
True
"""

from __future__ import annotations

import os
from typing import BinaryIO

from graph.store.base import EXPORT_FORMATS, Store, StoreError

__all__ = ["MemoryStore"]


class MemoryStore(Store):
    """A :class:`~graph.builder.KnowledgeGraph` in memory."""

    kind = "memory"
    spec = "memory"

    def __init__(self, kg):
        self.kg = kg

    @classmethod
    def build(cls, data_dir: str | os.PathLike = "data") -> MemoryStore:
        from graph.builder import build

        return cls(build(data_dir))

    def query(self, text: str, *, params: dict | None = None, timeout: float = 30.0, allow_network: bool = False):
        from graph.query import run

        return run(self.kg, text, params=params, timeout=timeout, allow_network=allow_network)

    def export(self, fmt: str, output: BinaryIO) -> None:
        from graph.exporters import registry

        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"format '{fmt}' is not one of {', '.join(EXPORT_FORMATS)}")
        for chunk in registry.get(fmt).generate(self.kg):
            output.write(chunk.encode("utf-8"))

    def count(self) -> int:
        return sum(len(g) for g in self.kg.dataset.graphs())
