"""``python -m simulation``: the ``agrifin`` command line."""

from simulation.app.cli.launch import main

main()
