"""Text to Video: new source clips from a prompt with a local open video model (``studio.models.t2v``), the
dock, Settings ▸ Text-to-Video Models…, and the run off the GUI thread."""
