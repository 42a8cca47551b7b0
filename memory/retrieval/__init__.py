"""Answering a query: the HippoRAG 2 pipeline, seed weights, rank ordering, recognition and reading."""
