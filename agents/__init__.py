"""The county's agents: households and cooperatives as arrays, institutions as mesa.Agent."""
