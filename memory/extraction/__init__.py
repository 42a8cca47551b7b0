"""OpenIE: LLM and offline (spaCy) extractors, recorded HippoRAG outputs, normalisation into facts."""
