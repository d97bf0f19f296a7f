"""Intake: the streaming ingest pipeline, its runs and rejections, and known-good flags."""
