"""Assess: relevance, risk and legality of listings."""
