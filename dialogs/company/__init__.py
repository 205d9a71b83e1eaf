"""The companies' side of the bot: a second declared flow in which a company reports open places."""
