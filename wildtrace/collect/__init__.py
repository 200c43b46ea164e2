"""Collect: bring pages and rows in (import files, crawl, citizen tips)."""
