"""porchlight-agent: runs on the owner's hub, finds events, masks, encrypts, uploads."""
