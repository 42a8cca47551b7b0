"""memrag's engine: a long-term memory with HippoRAG 2 retrieval, as a plain library."""
