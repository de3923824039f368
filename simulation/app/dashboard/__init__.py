"""The interactive dashboard (``agrifin dashboard``, the ``dashboard`` extra)."""
