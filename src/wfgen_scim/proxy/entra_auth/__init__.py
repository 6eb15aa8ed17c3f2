"""How Entra authenticates to the proxy: static tokens, the OAuth 2.0 client-credentials
token endpoint with signed JWT access tokens, and workload identity federation."""
