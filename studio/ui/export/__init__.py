"""Exports: the dialog, the render job on a job thread, the queue, rendering on a cluster.

See docs/architecture.md for how the rooms fit together."""
