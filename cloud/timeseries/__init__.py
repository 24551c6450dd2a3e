"""Time series: points derived from stored records, a durable outbox, writers and readers."""
