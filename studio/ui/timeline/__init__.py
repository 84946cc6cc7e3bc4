"""The timeline: placements over importance lanes, pins and masks on them, drags, menus, the shared time axis.

See docs/architecture.md for how the rooms fit together."""
