"""Labelled retrieval set and its scorer."""
