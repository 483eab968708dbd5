"""The footage vault: clips encrypted with their own keys, shredded at expiry, access logged."""
