"""Faces of memrag for other frameworks (llama-index): they sit above the API, the jobs and the engine."""
