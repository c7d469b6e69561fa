"""Evaluation harnesses: retrieval quality and (later) document-set audit readiness."""
