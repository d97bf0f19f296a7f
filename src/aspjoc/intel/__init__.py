"""Statements about observables: storage, lookup, ingest, correlation."""
