"""The open-data API: published channels as JSON and CSV, and verification."""
