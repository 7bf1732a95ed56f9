"""Records: importers, normalisation, the record store (no UI)."""
