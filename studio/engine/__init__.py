"""The Attention Video Generator engine: device choice, synthesis, the attention record, the render job. No Qt."""
