"""Preserve: evidence storage (content-addressed blobs, WARC, custody)."""
