"""Stage 4: the trial's published claims, checked against the regenerated results, and drift between builds."""
