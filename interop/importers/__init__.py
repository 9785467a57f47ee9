"""Importers: enter records a format reads through the report actions, keyed so a re-import adds nothing."""
