"""Exporters, keyed by format name: see :mod:`graph.exporters.registry`."""
