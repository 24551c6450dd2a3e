"""Evaluation: detection mAP on rendered test splits and activity intervals on rendered clips."""
