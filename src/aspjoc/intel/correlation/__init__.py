"""Correlation and deconfliction: the same identifier held by two or more organisations."""
