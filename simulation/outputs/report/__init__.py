"""Reports: HTML and PDF reports built from a results folder."""
