"""timeline: see docs/architecture.md."""
