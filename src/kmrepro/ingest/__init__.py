"""Stage 1 of the DAG: reading what the user gives (digitized curves, risk tables)."""
