"""Checksums used by the framings: CRC-16/CCITT-FALSE (C-speed via binascii), sums and XOR."""

import binascii
from functools import reduce
from operator import xor


def crc16_ccitt(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection (check "123456789" = 0x29B1)."""
    return binascii.crc_hqx(data, 0xFFFF)


def sum8(data: bytes | bytearray | memoryview) -> int:
    """Sum of the bytes modulo 256: any single changed byte changes it."""
    return sum(data) & 0xFF


def xor8(data: bytes | bytearray | memoryview) -> int:
    """XOR of the bytes (the NMEA 0183 checksum): any single changed byte changes it."""
    return reduce(xor, data, 0)
