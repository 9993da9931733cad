"""Stage 5: figures, the report page, the published site and the provenance record."""
