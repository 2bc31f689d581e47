"""Parley-v2's post-quantum part (own code over kyber-py and PyNaCl): ML-KEM-1024
and the PQXDH key agreement.

ML-KEM-1024 is kyber-py's pure-Python FIPS 203 (`ML_KEM_1024._keygen_internal(d,
z)`, `_encaps_internal(ek, m)`, `decaps`); every key pair and every decapsulation
is cross-checked against `cryptography`'s ML-KEM-1024 (OpenSSL), so two
independent implementations agree on each value a vector holds. The x3dh
package has no KEM, so PQXDH is computed here from the suite text: the DH
outputs with libsodium (as in suite.x3dh_respond), SK with HKDF-SHA-256.
"""
from __future__ import annotations

import hashlib
from typing import List, Optional, Tuple

from cryptography.hazmat.primitives.asymmetric import mlkem
from kyber_py.ml_kem import ML_KEM_1024

import nacl.signing
import nacl.bindings as sodium

import suite
from errors import ParleyError

PQXDH_INFO = b"Parley-v2 PQXDH"
SPK_PREFIX = b"parley-spk-v2"
PQPK_PREFIX = b"parley-pqpk-v2"
SEED_LEN = 64
PK_LEN = 1568
CT_LEN = 1568


class KEMKey:
    """An ML-KEM-1024 key pair from its 64-byte seed d || z."""

    def __init__(self, seed: bytes, kind: str = "one_time"):
        assert len(seed) == SEED_LEN and kind in ("one_time", "last_resort")
        self.seed = seed
        self.kind = kind
        self.ek, self.dk = ML_KEM_1024._keygen_internal(seed[:32], seed[32:])
        other = mlkem.MLKEM1024PrivateKey.from_seed_bytes(seed)
        if other.public_key().public_bytes_raw() != self.ek:
            raise RuntimeError("kyber-py and cryptography disagree on ML-KEM-1024 KeyGen")
        self._other = other
        self.pqid = hashlib.sha256(self.ek).digest()

    def decaps(self, ct: bytes) -> bytes:
        assert len(ct) == CT_LEN
        ss = ML_KEM_1024.decaps(self.dk, ct)
        if self._other.decapsulate(ct) != ss:
            raise RuntimeError("kyber-py and cryptography disagree on ML-KEM-1024 Decaps")
        return ss


def encaps(ek: bytes, m: bytes) -> Tuple[bytes, bytes]:
    """(CT, SS) = ML-KEM.Encaps_internal(ek, m) (kyber-py returns SS first)."""
    ss, ct = ML_KEM_1024._encaps_internal(ek, m)
    return ct, ss


class ScriptedEncapsulations:
    """Alice's encapsulations, consumed in order; each is checked against the
    receiver's key when it is used (Decaps(CT) == SS)."""

    def __init__(self, entries: List[Tuple[bytes, bytes]], source=None):
        self.entries = list(entries)
        self.pos = 0
        self.source = source  # generator mode: ek -> (ct, ss)

    def next(self, ek: bytes) -> Tuple[bytes, bytes]:
        if self.pos >= len(self.entries):
            if self.source is None:
                raise RuntimeError("kem_encapsulations list exhausted")
            self.entries.append(self.source(ek))
        entry = self.entries[self.pos]
        self.pos += 1
        return entry


def spk_v2_signature(identity_seed: bytes, spk_pub: bytes) -> bytes:
    return suite.ed25519_sign(identity_seed, SPK_PREFIX + spk_pub)


def pq_signature(identity_seed: bytes, pq_pub: bytes) -> bytes:
    return suite.ed25519_sign(identity_seed, PQPK_PREFIX + pq_pub)


def _verifies(ik: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(ik).verify(message, signature)
        return True
    except Exception:
        return False


def _sk(dhs: List[bytes], ss: bytes) -> bytes:
    return suite.hkdf_sha256(bytes(32), b"\xff" * 32 + b"".join(dhs) + ss, PQXDH_INFO, 32)


def initiate(alice_seed: bytes, ik_b: bytes, spk_b: bytes, spk_sig: bytes, opk_b: Optional[bytes],
             pq_pub: bytes, pq_sig: bytes, ephemeral, encapsulate):
    """Alice, in the suite's order: SPK v2 signature, PQ prekey signature
    (bad_signature), x(IK_B) (invalid_key), draw EK_A (`ephemeral()`), then
    (CT, SS) = `encapsulate(PQPK_B)`, DH1..DH4 (invalid_key on zero), SK.
    Returns (SK, AD, EK_A pub, PQID_B, CT)."""
    if not _verifies(ik_b, SPK_PREFIX + spk_b, spk_sig):
        raise ParleyError("bad_signature", "SPK v2 signature does not verify")
    if not _verifies(ik_b, PQPK_PREFIX + pq_pub, pq_sig):
        raise ParleyError("bad_signature", "PQ prekey signature does not verify")
    x_ik_b = suite.ed25519_pk_to_x25519(ik_b)
    ek = ephemeral()
    ct, ss = encapsulate(pq_pub)
    ik_a_x = sodium.crypto_sign_ed25519_sk_to_curve25519(suite.ed25519_keypair(alice_seed)[1])
    dhs = [suite.x25519(ik_a_x, spk_b), suite.x25519(ek, x_ik_b), suite.x25519(ek, spk_b)]
    if opk_b is not None:
        dhs.append(suite.x25519(ek, opk_b))
    ad = suite.ed25519_keypair(alice_seed)[0] + ik_b
    return _sk(dhs, ss), ad, suite.x25519_pub(ek), hashlib.sha256(pq_pub).digest(), ct


def respond(bob_seed: bytes, spk_priv: bytes, opk_priv: Optional[bytes], pq_key: KEMKey,
            ik_a: bytes, ek_a: bytes, ct: bytes):
    """Bob, steps 5-8 of rule 2 up to SK: x(IK_A) (invalid_key), DH1..DH4
    (invalid_key on zero), SS = Decaps(CT). Returns (SK, AD)."""
    x_ik_a = suite.ed25519_pk_to_x25519(ik_a)
    ik_b_x = sodium.crypto_sign_ed25519_sk_to_curve25519(suite.ed25519_keypair(bob_seed)[1])
    dhs = [suite.x25519(spk_priv, x_ik_a), suite.x25519(ik_b_x, ek_a), suite.x25519(spk_priv, ek_a)]
    if opk_priv is not None:
        dhs.append(suite.x25519(opk_priv, ek_a))
    ss = pq_key.decaps(ct)
    return _sk(dhs, ss), ik_a + suite.ed25519_keypair(bob_seed)[0]
