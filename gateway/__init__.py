"""The site gateway: one per production base, between the site's devices and the cloud.

Devices publish to the gateway's local broker; the gateway checks each message at the site
boundary (quarantining what does not belong, locally, with the raw bytes), stamps its receive
time, keeps the message in a durable outbox and relays it to the cloud broker with the site's
credentials, forgetting it only on the cloud's end-to-end acknowledgement (docs/gateway.md).
"""
