"""Firmware bridge: serial rapid-test instruments and GPS (NMEA) → readings → outbox → MQTT."""
