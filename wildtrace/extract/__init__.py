"""Extract: turn captured pages into structured listings."""
