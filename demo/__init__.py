"""A realistic national demo scenario, built entirely through the report actions."""
