"""Workbench for qualitative follow-evaluation research (følgeevaluering) of bygdevekstavtaler."""

__version__ = "0.1.0"
