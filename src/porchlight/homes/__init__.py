"""Homes: households, their cameras, privacy zones and settings."""
