"""GMV identities, their exact period-over-period attribution, trends and plans."""
