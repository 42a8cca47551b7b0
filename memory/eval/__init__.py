"""Evaluation: QA datasets in HippoRAG layout, recall and EM/F1 metrics, the eval harness."""
