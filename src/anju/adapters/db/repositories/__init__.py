"""Repository modules; importing one registers it on the unit of work."""
