"""The Attention Video Generator engine: device, synthesis, the attention record, the render job. No Qt."""
