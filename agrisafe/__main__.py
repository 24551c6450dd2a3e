"""`python -m agrisafe` runs the CLI."""

from agrisafe.cli import main

main()
