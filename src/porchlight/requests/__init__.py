"""Police requests: agencies ask, owners decide clip by clip, agencies see counts and shares."""
