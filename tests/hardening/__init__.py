"""Hardening: hostile input, misbehaving plugins, nothing lost, nobody let in (docs/security.md)."""
