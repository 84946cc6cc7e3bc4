"""attention: see docs/architecture.md."""
