"""Disruption feeds: block lists and detection content for ISPs, banks, telcos and registrars."""
