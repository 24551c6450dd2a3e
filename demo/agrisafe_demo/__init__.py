"""The demo: the whole system on one machine with embedded defaults (`agrisafe demo`).

A composition root above the components: it wires the cloud, the firmware bridge and the edge
together, so it lives in its own package (agrisafe_demo), not in the shared contract.
"""
