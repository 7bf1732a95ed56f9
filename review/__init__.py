"""The application shell: project on disk, CLI, Textual app, exports."""
