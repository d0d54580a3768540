"""Checks for the notebooks' exercises, one module per notebook. The solutions live here, out of sight."""
