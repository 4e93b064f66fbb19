"""The graph's IRIs and prefixes as plain strings, for the code that runs without rdflib.

Every command starts by asking the engine whether the data folder changed, and most answer
from the store: they need the graph's names, not rdflib (a quarter of a second to import).
:mod:`graph.rdf` builds its rdflib namespaces from these.

Example
-------
>>> PREFIXES["id"] == BASE + "id/"
True
>>> SOURCE_BASE + "usaspending-x"
'https://w3id.org/defense-ai-graph/source/usaspending-x'
"""

from __future__ import annotations

__all__ = ["BASE", "ID_BASE", "FACT_BASE", "SOURCE_BASE", "ENTITIES_GRAPH_IRI", "ONTOLOGY_GRAPH_IRI", "PREFIXES",
           "NAMESPACE"]

BASE = "https://w3id.org/defense-ai-graph/"
#: the ontology's namespace (as :data:`ontology.NAMESPACE`)
NAMESPACE = BASE + "ontology#"
ID_BASE = BASE + "id/"
FACT_BASE = BASE + "fact/"
SOURCE_BASE = BASE + "source/"
ENTITIES_GRAPH_IRI = BASE + "graph/entities"
ONTOLOGY_GRAPH_IRI = BASE + "ontology"

PREFIXES = {
    "dai": NAMESPACE,
    "id": ID_BASE,
    "fact": FACT_BASE,
    "src": SOURCE_BASE,
    "wd": "http://www.wikidata.org/entity/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "pc": "http://purl.org/procurement/public-contracts#",
    "ftm": "https://schema.followthemoney.tech/#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
