"""Renderers: the same results as terminal tables, JSON, CSV and HTML, and plots."""
