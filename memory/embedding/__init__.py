"""Embedders: ONNX Runtime (default), sentence-transformers, a hashed fake, and the persistent cache."""
