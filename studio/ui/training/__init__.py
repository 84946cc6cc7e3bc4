"""The training panel and the timeline's generate actions (extend, retime, morph) on the learned models.

See docs/architecture.md for how the rooms fit together."""
