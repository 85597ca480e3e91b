"""Adapters: the database, cryptography, clock and external parties behind the ports."""
