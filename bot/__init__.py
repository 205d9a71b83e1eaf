"""Telegram transport, persistence, coach relay and the command line of ausbildungsbot."""
