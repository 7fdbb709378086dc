"""GMV identities and their exact period-over-period attribution."""
