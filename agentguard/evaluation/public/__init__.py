"""Adapters that turn the public evaluation sets into eval cases, read from a folder given."""
