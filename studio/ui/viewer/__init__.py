"""The preview: the frame view, the transport, the playback clock, and click-a-pixel tracing.

See docs/architecture.md for how the rooms fit together."""
