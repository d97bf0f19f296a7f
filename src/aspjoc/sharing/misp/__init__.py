"""MISP exchange: a MISP-compatible API at /misp/, MISP feeds, and pull and push with MISP servers through PyMISP."""
