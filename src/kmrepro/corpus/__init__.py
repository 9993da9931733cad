"""The kmdata corpus: trial folders generated from data/kmdata/, and the registry of published vs regenerated HRs."""
