"""Reproducible performance measurements (``make bench``). Data is generated on the fly."""
