"""The supply-and-demand report for the round table: queries and renderers."""
