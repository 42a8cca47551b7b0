"""Records in vector collections: the record codec, the Qdrant Edge and qdrant-client adapters, local files."""
