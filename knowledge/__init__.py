"""Occupation catalogue, fuzzy matcher, gazetteer and places: what the bot knows about the world."""
