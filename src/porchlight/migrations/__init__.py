"""Alembic migrations, shipped inside the package so that an installed Porchlight can migrate."""
