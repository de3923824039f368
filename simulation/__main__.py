"""``python -m simulation``: the ``agrifin`` command line."""

from simulation.app.cli.main import main

main()
