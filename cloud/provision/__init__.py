"""`agrisafe devices provision`: broker identities, ACL, TLS and device keys from the registry."""
