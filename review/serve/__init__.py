"""``review serve``: the terminal UI in a browser, one reviewer per session.

Built on textual-serve: each browser session runs its own ``review tui``
subprocess, named after the reviewer whose token opened the page.
"""
