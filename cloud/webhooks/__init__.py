"""Alert delivery to registered webhooks: HMAC-signed POSTs with retries and backoff."""
