"""X12 EDI: the 837P writer (and, later, the 835 parser). Pure: no database, no CLI."""
