"""Wrappers for the clients and frameworks users already run; each is imported by its own path."""
