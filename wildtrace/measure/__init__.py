"""Measure: market size, prices and trends."""
