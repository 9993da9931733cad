"""Stage 2: cleaning digitized points and reconstructing individual patient data (Guyot et al. 2012)."""
