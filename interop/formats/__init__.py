"""Import and export formats, one folder per format (STYLE habit 15)."""
