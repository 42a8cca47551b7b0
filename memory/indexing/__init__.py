"""Writing knowledge: chunking, preparing (OpenIE + embeddings), prepared batches, synonyms, the write."""
