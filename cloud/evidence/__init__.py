"""Evidence files (snapshots, clips) uploaded by edge nodes, kept by their SHA-256."""
