"""The ``agrifin`` command line (click); commands load their module on first use."""
