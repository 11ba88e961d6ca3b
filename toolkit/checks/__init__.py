"""Vectorised checks: each function takes frames and returns a LazyFrame of findings."""
