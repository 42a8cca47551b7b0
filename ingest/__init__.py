"""Ingestion: chunking, loaders and the composition root that wires an engine from settings."""
