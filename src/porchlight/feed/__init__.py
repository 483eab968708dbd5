"""The neighbourhood feed: posts and comments checked before they go live, and moderation."""
