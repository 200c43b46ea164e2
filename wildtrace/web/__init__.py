"""Web: the FastAPI application (serve)."""
