"""A young person's chat: dialog events applied to the stored state, one write per update."""
