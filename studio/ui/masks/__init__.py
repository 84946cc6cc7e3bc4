"""Painted masks: the painter window (an output frame shown large, brush and eraser) and its actions."""
