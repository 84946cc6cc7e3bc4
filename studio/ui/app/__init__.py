"""The window: composition (main_window), the switchboard (wiring), the document, edits, actions, docks.

See docs/architecture.md for how the rooms fit together."""
