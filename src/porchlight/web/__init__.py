"""The web layer shared by every feature: context, problems, auth dependencies, templates."""
