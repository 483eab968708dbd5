"""Reuse the vault tests' generated media."""

from tests.vault.conftest import jpeg, mp4

__all__ = ["jpeg", "mp4"]
