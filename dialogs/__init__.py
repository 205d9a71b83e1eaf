"""Guided dialogs declared as data, and the engine that drives them. No Telegram in here."""
