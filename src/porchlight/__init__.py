"""Porchlight: neighbourhood home cameras built to be trusted."""

__version__ = "0.1.0"
