"""Retrieval over the corpus and the organisation's context: chunks, embeddings, chromadb, hybrid search."""
