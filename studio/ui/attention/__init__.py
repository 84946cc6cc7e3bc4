"""What the attention did: the heatmap (time × clip), the per-frame maps, records opened without a project.

See docs/architecture.md for how the rooms fit together."""
