"""Act: reports, exports, cases and the review queue."""
