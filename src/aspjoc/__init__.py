"""aspjoc: the shared platform of a regional law-enforcement cybercrime programme."""

__version__ = "0.1.0"
