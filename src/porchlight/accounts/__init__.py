"""Accounts: people, agencies, passwords, web sessions and API tokens."""
