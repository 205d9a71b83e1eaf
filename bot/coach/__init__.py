"""The coach desk: hand-offs, forum topics, the two-way relay, coach hours and jobs."""
