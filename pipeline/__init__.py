"""Partnerships pipeline: survey returns -> registry -> evaluation -> annual report."""

__version__ = "0.1.0"
