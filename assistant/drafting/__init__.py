"""Drafting engine: providers (offline, OpenAI-compatible), prompt chains, grounded policies and the SoA."""
