"""Records: importers, normalisation, the record store (no UI)."""

from corpus import sqlite_numpy

sqlite_numpy.install()
