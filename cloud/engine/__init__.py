"""The rule engine: the I/O around the pure rules — reads history, calls `cloud.rules`,
stores alerts, blocks, certificates and timers, and fires due timers on a clock."""
