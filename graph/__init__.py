"""defense-ai-graph: an open, sourced knowledge graph of government and defense AI.

Example
-------
>>> from graph import build
>>> kg = build("data")
>>> kg.actors.nodes["openai"]["label"]
'OpenAI'
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("defense-ai-graph")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0+checkout"

__all__ = ["KnowledgeGraph", "GraphError", "build", "__version__"]


def __getattr__(name: str):
    # Lazy, so that `kg --help` and `graph.exporters.*` stay light.
    if name in ("build", "KnowledgeGraph"):
        import importlib

        return getattr(importlib.import_module("graph.builder"), name)
    if name == "GraphError":
        from graph.errors import GraphError

        return GraphError
    raise AttributeError(name)
