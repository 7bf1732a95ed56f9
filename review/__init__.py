"""The application shell: project on disk, CLI, Textual app, exports."""

import corpus  # noqa: F401  (first: keeps numpy out of sqlite-utils' import)
