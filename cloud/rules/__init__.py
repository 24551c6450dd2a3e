"""Rules as pure functions over records and timelines (data in, decisions out).

No store, no I/O: `cloud.engine` reads what they need, calls them and stores what they decide.
"""
