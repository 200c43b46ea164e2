"""Link: sellers, identifiers and networks across listings and platforms."""
