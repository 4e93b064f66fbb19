"""defense-ai-graph: an open, sourced knowledge graph of government and defense AI.

Example
-------
>>> import graph
>>> with graph.open("data") as kg:              # the engine: answers in the store
...     kg.find("pentagone")
'dod'
>>> graph.build("data").actors.nodes["openai"]["label"]   # the whole graph in rdflib/networkx
'OpenAI'
"""

__all__ = ["Graph", "KnowledgeGraph", "GraphError", "open", "build", "typed_graph", "to_dataframe", "__version__"]


def __getattr__(name: str):
    # Lazy, so that `kg --help` and `graph.exporters.*` stay light.
    import importlib

    if name == "__version__":  # importlib.metadata costs 40 ms: only when asked
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("defense-ai-graph")
        except PackageNotFoundError:  # running from a checkout without install
            return "0.0.0+checkout"

    if name in ("build", "open", "Graph"):
        return getattr(importlib.import_module("graph.api"), name)
    if name in ("typed_graph", "to_dataframe"):
        return getattr(importlib.import_module("graph.typed"), name)
    if name == "KnowledgeGraph":
        return getattr(importlib.import_module("graph.builder"), name)
    if name == "GraphError":
        from graph.errors import GraphError

        return GraphError
    raise AttributeError(name)
