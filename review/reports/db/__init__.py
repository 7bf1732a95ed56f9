"""All SQL of ``review.reports``: one module per report (read-only queries)."""
