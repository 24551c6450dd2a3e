"""Paths of repository files the tests use."""

from pathlib import Path

import agrisafe

REPO = Path(agrisafe.__file__).resolve().parent.parent
DEMO_SITE_FILE = REPO / "demo" / "agrisafe_demo" / "site.yaml"
SHIPPED_MODEL_DIR = REPO / "models" / "agri-activity-v2"
