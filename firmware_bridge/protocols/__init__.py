"""Pure stream decoders, one per wire protocol; each feeds bytes and returns frames + rejections.

`Protocol` is the one list of protocol names: bridge.yaml's `instruments[].protocol`, the
`decode --protocol` option, the decoders and the simulators all use it.
"""

from enum import StrEnum


class Protocol(StrEnum):
    """A wire protocol the bridge speaks (the value is its name in files and options)."""

    DY3000 = "dy3000"  # 达元 DY-3000 pesticide-residue analyser, binary request/response
    TY16 = "ty16"  # 16-channel enzyme-inhibition reader, binary blocks
    LINE = "line"  # generic one-record-per-line ASCII/CSV instruments
    NMEA = "nmea"  # the station's GPS receiver (NMEA 0183)


# What `instruments:` in bridge.yaml may use; NMEA belongs to the `gps:` receiver.
INSTRUMENT_PROTOCOLS = (Protocol.DY3000, Protocol.TY16, Protocol.LINE)
