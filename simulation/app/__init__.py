"""The application: the command line and the dashboard (the only layer that prints)."""
