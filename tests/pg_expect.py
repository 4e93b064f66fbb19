"""What the consumers of the property graph exports must answer, computed from the model.

:func:`big_contracts` is the typed question every consumer is asked in its own query
language: the contracts over $100M (``amount``, else ``obligated``, in USD) with their
awarding agency.
"""

from __future__ import annotations

from graph.exporters.property_graph import PropertyGraph

__all__ = ["big_contracts", "THRESHOLD"]

THRESHOLD = 100_000_000


def big_contracts(pg: PropertyGraph) -> list[tuple[str, str, float]]:
    """``[(contract fact id, awarding agency id, USD value)]``, sorted."""
    facts = {n.id: n.properties for n in pg.nodes if n.properties.get("kind") == "Contract"}
    out = []
    for e in pg.edges:
        p = facts.get(e.source)
        if e.type == "AWARDING_AGENCY" and p and p.get("currency") == "USD":
            value = p.get("amount", p.get("obligated"))
            if value is not None and value > THRESHOLD:
                out.append((e.source, e.target, value))
    return sorted(out)
