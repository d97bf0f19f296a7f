"""Configured feeds polled by the worker: fetched with validators, ingested, every outcome kept."""
