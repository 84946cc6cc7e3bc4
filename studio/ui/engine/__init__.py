"""The bridge to the preview engine: its own QThread, the requests it takes, the frame cache, torch warm-up.

See docs/architecture.md for how the rooms fit together."""
