"""Adapters: readers and writers. Optional engines are imported inside functions."""
