"""The OpenAI-compatible chat client, prompt templates and the parsing of JSON replies."""
