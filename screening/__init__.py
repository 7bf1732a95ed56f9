"""Screening decisions and what is computed from them (no UI)."""
