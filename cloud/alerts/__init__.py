"""Alert delivery: MQTT topics for regulators, the live stream (SSE) for the console."""
