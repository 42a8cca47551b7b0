"""The entity + passage graph, its adjacency rows and Personalized PageRank (pure algorithm, no I/O)."""
