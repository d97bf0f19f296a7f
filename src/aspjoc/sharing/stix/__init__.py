"""STIX 2.1: how statements, owners and markings are written as STIX objects, and read back.

``export_bundle`` and ``stream_bundle`` (in ``stix.export``) are the entry points other
capabilities call for their STIX outputs.
"""
