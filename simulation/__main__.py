"""``python -m simulation``: the ``agrifin`` command line."""

from simulation.cli import main

main()
