"""Labelled footage from a base: annotation exports in, our YOLO dataset out."""
