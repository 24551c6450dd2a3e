"""Producer credit (信用): a score fed by violations, a level, and the blacklist."""
