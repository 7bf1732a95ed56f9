"""The ``review`` command line. The root group is :mod:`review.cli.root`;
commands live in :mod:`review.cli.commands` and share :mod:`review.cli.options`."""
