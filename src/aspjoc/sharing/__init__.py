"""Sharing: STIX 2.1 export, the TAXII 2.1 server and client, and hub–node federation.

The MISP exchange (``sharing.misp``) and private matching (``sharing.matching``) are
sub-capabilities of their own; nothing here imports them.
"""
