"""The HTTP face of memrag (FastAPI): namespaces, keys, documents, jobs, retrieval, answers, chat."""
