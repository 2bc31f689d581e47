"""Parley-v1 wire framing (own code: the PyPI packages have no wire format).

HEADER (42)    = 0x01 || 0x01 || DHs (32) || PN (u32 BE) || N (u32 BE)
Message        = HEADER || nonce (24) || ciphertext-with-tag (>= 16)
PreKeyMessage  = 0x01 || 0x02 || IK_A (32) || EK_A (32) || SPK_B (32)
                 || (0x00 | 0x01 || OPK_B (32)) || Message

Parsing follows suite-decisions.md "Validation order": everything here is
checked before any cryptography and every failure is `malformed`.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Optional

from errors import ParleyError

VERSION = 0x01
TYPE_MESSAGE = 0x01
TYPE_PREKEY = 0x02
HEADER_LEN = 42
NONCE_LEN = 24
TAG_LEN = 16
MIN_MESSAGE_LEN = HEADER_LEN + NONCE_LEN + TAG_LEN  # 82
P25519 = 2**255 - 19


def is_canonical_x25519(pub: bytes) -> bool:
    """32-byte little-endian value below 2^255 - 19 (implies bit 255 clear)."""
    return len(pub) == 32 and int.from_bytes(pub, "little") < P25519


def malformed(why: str) -> ParleyError:
    return ParleyError("malformed", why)


@dataclass(frozen=True)
class Message:
    header_bytes: bytes  # the exact 42 header bytes (AEAD AD suffix)
    dhs: bytes
    pn: int
    n: int
    nonce: bytes
    ciphertext: bytes  # ciphertext incl. 16-byte tag

    @property
    def nonce_and_ciphertext(self) -> bytes:
        return self.nonce + self.ciphertext

    def encode(self) -> bytes:
        return self.header_bytes + self.nonce + self.ciphertext


@dataclass(frozen=True)
class PreKeyMessage:
    ik_a: bytes
    ek_a: bytes
    spk_b: bytes
    opk_b: Optional[bytes]
    message: Message


def encode_header(dhs: bytes, pn: int, n: int) -> bytes:
    assert len(dhs) == 32
    return bytes([VERSION, TYPE_MESSAGE]) + dhs + struct.pack(">II", pn, n)


def encode_prekey_prefix(ik_a: bytes, ek_a: bytes, spk_b: bytes, opk_b: Optional[bytes]) -> bytes:
    out = bytes([VERSION, TYPE_PREKEY]) + ik_a + ek_a + spk_b
    out += b"\x00" if opk_b is None else b"\x01" + opk_b
    return out


def parse_message(data: bytes) -> Message:
    if len(data) < 2:
        raise malformed("shorter than 2 bytes")
    if data[0] != VERSION:
        raise malformed("bad version")
    if data[1] != TYPE_MESSAGE:
        raise malformed("bad type for a Message")
    if len(data) < MIN_MESSAGE_LEN:
        raise malformed("Message shorter than 82 bytes")
    dhs = data[2:34]
    if not is_canonical_x25519(dhs):
        raise malformed("DHs not canonical")
    pn, n = struct.unpack(">II", data[34:42])
    return Message(data[:42], dhs, pn, n, data[42:66], data[66:])


def parse(data: bytes):
    """Returns a Message or a PreKeyMessage; raises ParleyError('malformed')."""
    if len(data) < 2:
        raise malformed("shorter than 2 bytes")
    if data[0] != VERSION:
        raise malformed("bad version")
    if data[1] == TYPE_MESSAGE:
        return parse_message(data)
    if data[1] != TYPE_PREKEY:
        raise malformed("unknown type")
    pos = 2
    if len(data) < pos + 97:
        raise malformed("PreKeyMessage prefix short")
    ik_a = data[pos:pos + 32]
    ek_a = data[pos + 32:pos + 64]
    spk_b = data[pos + 64:pos + 96]
    flag = data[pos + 96]
    pos += 97
    if flag not in (0, 1):
        raise malformed("bad OPK flag")
    opk_b = None
    if flag == 1:
        if len(data) < pos + 32:
            raise malformed("OPK short")
        opk_b = data[pos:pos + 32]
        pos += 32
    for name, key in (("EK_A", ek_a), ("SPK_B", spk_b), ("OPK_B", opk_b)):
        if key is not None and not is_canonical_x25519(key):
            raise malformed(f"{name} not canonical")
    inner = parse_message(data[pos:])
    if inner.pn != 0:
        # the initiator wraps only messages of her first sending chain (protocol.md §5.3)
        raise malformed("PreKeyMessage around a Message with PN != 0")
    return PreKeyMessage(ik_a, ek_a, spk_b, opk_b, inner)
