"""Evaluation: QA datasets in HippoRAG layout, metrics, the eval harness, streams, forgetting, update-following."""
