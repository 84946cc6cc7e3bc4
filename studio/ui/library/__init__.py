"""The clip library: import, probe, thumbnails, proxies and scene cuts, relink.

See docs/architecture.md for how the rooms fit together."""
