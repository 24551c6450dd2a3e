"""Procedural farm scenes (numpy + OpenCV), deterministic by seed.

`objects` draws every object class; `dataset` and `clips` both call it, so a detector trained on
rendered images sees exactly the same shapes in rendered clips.
"""
