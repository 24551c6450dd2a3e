"""Rapid-test maths, pure: GB/T 5009.199-2003 enzyme inhibition and colloidal-gold readout."""
