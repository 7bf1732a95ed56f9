"""Bringing papers in and decisions out: Zotero both ways, full texts in bulk.

Zotero is reached through pyzotero (the web API, the Zotero 7 local API, or
any Zotero-API-compatible endpoint). The API key is read from the
environment, the system keyring or a hidden prompt, and never stored.
"""
