"""Anju (安居): core business system for a Housing Provident Fund centre."""

__version__ = "0.1.0"
