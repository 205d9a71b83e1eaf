"""The companies' side on the transport: their dialog state and places in the database, and their flow."""
