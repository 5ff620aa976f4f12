"""Chaos harness: real workers and a real broker under kills, restarts, duplicates and reordering."""
