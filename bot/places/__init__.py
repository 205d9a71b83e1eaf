"""Open places in the chat: search and paging, the places store, alerts about new places."""
