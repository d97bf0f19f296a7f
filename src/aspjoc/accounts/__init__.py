"""Organisations, users, API tokens, sharing groups and console sign-in."""
