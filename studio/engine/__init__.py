"""The Attention Video Generator engine: device, synthesis, the render job. No Qt."""
