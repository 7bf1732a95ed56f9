"""The one error type of the protocol layer.

Kept in its own module so that the model, the validator and the loader can
all raise it without importing each other.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """A protocol file that cannot be used as it is (message names line/key)."""
