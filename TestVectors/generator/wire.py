"""Parley wire framing (own code: the PyPI packages have no wire format).

HEADER (42)    = V || 0x01 || DHs (32) || PN (u32 BE) || N (u32 BE)
Message        = HEADER || nonce (24) || ciphertext-with-tag (>= 16)
PreKeyMessage  = V || 0x02 || IK_A (32) || EK_A (32) || SPK_B (32)
                 || (0x00 | 0x01 || OPK_B (32)) [|| PQID_B (32) || CT (1568)] || Message

V = 0x01 (Parley-v1) or 0x02 (Parley-v2, with PQID_B and CT); the inner
Message's version byte must equal the outer one. Any other V is malformed; a
well-formed v1 message to a receiver with v1 disabled is unsupported_version.

Parsing follows suite-decisions.md "Validation order": everything here is
checked before any cryptography and every failure is `malformed`.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Optional

from errors import ParleyError

VERSION = 0x01
VERSION_2 = 0x02
VERSIONS = (VERSION, VERSION_2)
PQID_LEN = 32
CT_LEN = 1568
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
    version: int = VERSION

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
    version: int = VERSION
    pqid_b: Optional[bytes] = None  # Parley-v2 only
    ct: Optional[bytes] = None  # Parley-v2 only

    @property
    def origin(self):
        """The whole prefix that routes this message (rule 1)."""
        if self.version == VERSION:
            return (self.ik_a, self.ek_a, self.spk_b, self.opk_b)
        return (self.version, self.ik_a, self.ek_a, self.spk_b, self.opk_b, self.pqid_b, self.ct)


def encode_header(dhs: bytes, pn: int, n: int, version: int = VERSION) -> bytes:
    assert len(dhs) == 32
    return bytes([version, TYPE_MESSAGE]) + dhs + struct.pack(">II", pn, n)


def encode_prekey_prefix(ik_a: bytes, ek_a: bytes, spk_b: bytes, opk_b: Optional[bytes],
                         version: int = VERSION, pqid_b: Optional[bytes] = None, ct: Optional[bytes] = None) -> bytes:
    out = bytes([version, TYPE_PREKEY]) + ik_a + ek_a + spk_b
    out += b"\x00" if opk_b is None else b"\x01" + opk_b
    if version == VERSION_2:
        assert len(pqid_b) == PQID_LEN and len(ct) == CT_LEN
        out += pqid_b + ct
    return out


def parse_message(data: bytes) -> Message:
    if len(data) < 2:
        raise malformed("shorter than 2 bytes")
    if data[0] not in VERSIONS:
        raise malformed("bad version")
    if data[1] != TYPE_MESSAGE:
        raise malformed("bad type for a Message")
    if len(data) < MIN_MESSAGE_LEN:
        raise malformed("Message shorter than 82 bytes")
    dhs = data[2:34]
    if not is_canonical_x25519(dhs):
        raise malformed("DHs not canonical")
    pn, n = struct.unpack(">II", data[34:42])
    return Message(data[:42], dhs, pn, n, data[42:66], data[66:], data[0])


def parse(data: bytes, accept_v1: bool = True):
    """Returns a Message or a PreKeyMessage; raises ParleyError('malformed'),
    or 'unsupported_version' for a well-formed v1 message when v1 is disabled
    (only after the whole message parsed)."""
    parsed = _parse(data)
    if parsed.version == VERSION and not accept_v1:
        raise ParleyError("unsupported_version", "Parley-v1 is disabled")
    return parsed


def _parse(data: bytes):
    if len(data) < 2:
        raise malformed("shorter than 2 bytes")
    if data[0] not in VERSIONS:
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
    pqid_b = ct = None
    if data[0] == VERSION_2:
        if len(data) < pos + PQID_LEN + CT_LEN:
            raise malformed("PQID_B or CT short")
        pqid_b, ct = data[pos:pos + PQID_LEN], data[pos + PQID_LEN:pos + PQID_LEN + CT_LEN]
        pos += PQID_LEN + CT_LEN
    for name, key in (("EK_A", ek_a), ("SPK_B", spk_b), ("OPK_B", opk_b)):
        if key is not None and not is_canonical_x25519(key):
            raise malformed(f"{name} not canonical")
    inner = parse_message(data[pos:])
    if inner.version != data[0]:
        raise malformed("inner Message of another version")
    if inner.pn != 0:
        # the initiator wraps only messages of her first sending chain (protocol.md §5.3)
        raise malformed("PreKeyMessage around a Message with PN != 0")
    return PreKeyMessage(ik_a, ek_a, spk_b, opk_b, inner, data[0], pqid_b, ct)
