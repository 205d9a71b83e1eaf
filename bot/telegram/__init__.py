"""Telegram transport: updates in (polling or webhook), per-chat ordering, retries, keyboards."""
