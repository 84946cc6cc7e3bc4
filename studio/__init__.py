"""Attention Video Studio: compose new videos from your own clips with an attention-based generator."""

__version__ = "0.1.0"
