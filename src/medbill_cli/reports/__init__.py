"""Reports built with pandas; each is imported only inside the command that uses it."""
