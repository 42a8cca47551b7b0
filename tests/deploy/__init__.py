"""Checks of deploy/: compose, Kubernetes, Dockerfile, alert rules, dashboard, entrypoint."""
