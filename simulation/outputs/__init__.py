"""Outputs: the results folder, charts and reports."""
