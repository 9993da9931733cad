"""Stage 3: statistics on the reconstructed IPD (Kaplan-Meier, Cox, log-rank, RMST, response rates)."""
