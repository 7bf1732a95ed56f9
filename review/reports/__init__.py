"""Review reports: the PRISMA 2020 flow diagram, the evidence gap map, the report folder.

Everything is computed from the review database, never typed in. This
package sits above the other feature packages (it reads screening,
extraction and exports) and below the TUI and CLI that show it. Its SQL
lives in ``review/reports/db/``, one module per report.
"""
