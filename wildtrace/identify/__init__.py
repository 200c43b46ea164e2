"""Identify: species, CITES status, product terms and code words in text."""
