"""kmrepro: digitized Kaplan-Meier curves to reconstructed IPD, re-analysis and claim audits."""

from kmrepro.errors import InputError

__all__ = ["InputError"]
__version__ = "0.1.0"
