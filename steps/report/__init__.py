"""Human-readable output: summaries and reports."""
