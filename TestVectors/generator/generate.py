#!/usr/bin/env python3
"""Generates the Parley-v1 test vectors with the configured PyPI packages.

    python generate.py OUTDIR

Every key and nonce is SHA-256("parley-v1-test-vectors/" + label), so the
output is byte-identical on every run. Each vector is replayed (runner.py)
before it is written.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nacl.bindings as sodium  # noqa: E402

import crosscheck  # noqa: E402
import suite  # noqa: E402
import wire  # noqa: E402
from errors import ParleyError  # noqa: E402
from runner import FORMAT, SUITE, build_session_parties, run_session, run_vector, spk_signature  # noqa: E402

A, B = "alice", "bob"
P = 2**255 - 19
LOW_ORDER = {
    "zero": (0).to_bytes(32, "little"),
    "one": (1).to_bytes(32, "little"),
    "p-1": (P - 1).to_bytes(32, "little"),
    "order8a": (325606250916557431795983626356110631294008115727848805560023387167927233504).to_bytes(32, "little"),
    "order8b": (39382357235489614581723060781553021112529911719440698176882885853963445705823).to_bytes(32, "little"),
}


def key(label: str, n: int = 32) -> bytes:
    return hashlib.sha256(b"parley-v1-test-vectors/" + label.encode()).digest()[:n]


def flip(data: bytes, byte: int, bit: int) -> bytes:
    b = bytearray(data)
    b[byte] ^= 1 << bit
    return bytes(b)


# ----------------------------------------------------------------------------
class Session:
    """Drives two parties and records the steps of a session vector."""

    def __init__(self, name, description, use_opk=True, n_opks=2):
        self.name = name
        L = lambda s: key(f"{name}/{s}")  # noqa: E731
        opks = [L(f"bob/opk/{i}") for i in range(n_opks)]
        self.vec = {
            "format": FORMAT, "suite": SUITE, "kind": "session", "name": name, "description": description,
            "alice": {"identity_seed": L("alice/identity").hex()},
            "bob": {"identity_seed": L("bob/identity").hex(), "signed_prekey": L("bob/spk").hex(),
                    "one_time_prekeys": [k.hex() for k in opks]},
            "x3dh": {"ephemeral": L("alice/ephemeral").hex(),
                     "one_time_prekey": suite.x25519_pub(opks[0]).hex() if use_opk else None},
        }
        self.rngs = {}
        for party in (A, B):
            rc, nc = itertools.count(), itertools.count()
            self.rngs[party] = suite.ScriptedRandom(
                [], source=(lambda p=party, c=rc: L(f"{p}/ratchet/{next(c)}")),
                nonce_source=(lambda p=party, c=nc: L(f"{p}/nonce/{next(c)}")[:24]))
        self.alice, self.bob, sk, ad = build_session_parties(self.vec, self.rngs[A], self.rngs[B])
        self.vec["x3dh"]["shared_secret"] = sk.hex()
        self.vec["x3dh"]["associated_data"] = ad.hex()
        self.steps = []
        self.forge_count = itertools.count()

    def party(self, p):
        return (self.alice, self.bob.ik_pub) if p == A else (self.bob, self.alice.ik_pub)

    def enc(self, p, pt) -> bytes:
        pt = pt.encode() if isinstance(pt, str) else pt
        party, peer = self.party(p)
        w = party.encrypt(peer, pt, None)
        self.steps.append({"op": "encrypt", "party": p, "plaintext": pt.hex(),
                           "nonce": self.rngs[p].last_nonce.hex(), "wire": w.hex()})
        return w

    def dec(self, p, w, expect=None) -> bytes:
        party, peer = self.party(p)
        pt = party.decrypt(peer, w)  # raises if it fails: a generator bug
        if expect is not None:
            assert pt == (expect.encode() if isinstance(expect, str) else expect), (self.name, pt)
        self.steps.append({"op": "decrypt", "party": p, "wire": w.hex(), "plaintext": pt.hex()})
        return pt

    def err(self, p, w, expect=None) -> str:
        """A decrypt that must fail; the category is computed by the engine
        (which follows the decisions' order); `expect` cross-checks it."""
        party, peer = self.party(p)
        before = party.snapshot()
        try:
            pt = party.decrypt(peer, w)
        except ParleyError as e:
            assert party.snapshot() == before
            if expect is not None:
                assert e.category == expect, (self.name, expect, e)
            self.steps.append({"op": "decrypt", "party": p, "wire": w.hex(), "error": e.category})
            return e.category
        raise AssertionError(f"{self.name}: expected an error, decrypted {pt!r}")

    def try_dec(self, p, w):
        """Records whatever the engine does (success or error)."""
        party, _ = self.party(p)
        before = party.snapshot()
        pos = self.rngs[p].pos
        try:
            return "ok", self.dec(p, w)
        except ParleyError:
            assert party.snapshot() == before and self.rngs[p].pos == pos
            return self.err(p, w), None

    def forge(self, p, pt, skip=0, receive=(), then_skip=0) -> bytes:
        """A message `p` could have sent: a copy of p's current session sends
        `skip` undelivered messages, optionally receives `receive` (random
        draws from a throw-away source), sends `then_skip` more, then encrypts
        `pt`. The vector's party is not changed."""
        party, peer = self.party(p)
        s = copy.deepcopy(party.current[peer])
        tag = f"{self.name}/forge/{next(self.forge_count)}"
        c = itertools.count()
        rng = suite.ScriptedRandom([], source=lambda: key(f"{tag}/ratchet/{next(c)}"),
                                   nonce_source=lambda: key(f"{tag}/nonce/{next(c)}")[:24])
        with suite.using_rng(rng):
            for _ in range(skip):
                s.encrypt(b"never delivered")
            for w in receive:
                s.ratchet_decrypt(wire.parse(w) if w[1] == 1 else wire.parse(w).message)
            for _ in range(then_skip):
                s.encrypt(b"never delivered")
            return s.encrypt(pt.encode() if isinstance(pt, str) else pt)

    def build(self):
        self.vec["ratchet_keys"] = {p: [k.hex() for k in self.rngs[p].used_keys()] for p in (A, B)}
        self.vec["steps"] = self.steps
        return self.vec


# ----------------------------------------------------------------------------
ORDER_8_POINT = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
ED25519_L = 2**252 + 27742317777372353535851937790883648493


def mixed_order_key_and_signature(label: str, message: bytes):
    """An Ed25519 public key A = a*B + T (T of order 8), which libsodium's
    verify accepts and its conversion to X25519 refuses, and a signature of
    `message` by it: the nonce is searched until 8 divides the challenge h, so
    that h*T vanishes in [s]B - [h]A."""
    a = int.from_bytes(key(f"{label}/scalar"), "little") % ED25519_L
    public = sodium.crypto_core_ed25519_add(
        sodium.crypto_scalarmult_ed25519_base_noclamp(a.to_bytes(32, "little")), ORDER_8_POINT)
    for attempt in itertools.count():
        r = int.from_bytes(hashlib.sha512(key(f"{label}/nonce/{attempt}")).digest(), "little") % ED25519_L
        big_r = sodium.crypto_scalarmult_ed25519_base_noclamp(r.to_bytes(32, "little"))
        h = int.from_bytes(hashlib.sha512(big_r + public + message).digest(), "little") % ED25519_L
        if h % 8 == 0:
            return public, big_r + ((r + h * a) % ED25519_L).to_bytes(32, "little")


def x3dh_vectors():
    out = []

    def make(name, description, use_opk=True, signature=None, identity_key=None):
        L = lambda s: key(f"x3dh-{name}/{s}")  # noqa: E731
        a_seed, b_seed, spk, opk, ek = L("alice/identity"), L("bob/identity"), L("bob/spk"), L("bob/opk"), L("alice/ephemeral")
        vec = {"format": FORMAT, "suite": SUITE, "kind": "x3dh", "name": name, "description": description,
               "alice": {"identity_seed": a_seed.hex()},
               "bob": {"identity_seed": b_seed.hex(), "signed_prekey": spk.hex(),
                       "one_time_prekey": opk.hex() if use_opk else None},
               "ephemeral": ek.hex()}
        if signature is not None:
            vec["signature"] = signature(a_seed, b_seed, spk).hex()
        b_ik = suite.ed25519_keypair(b_seed)[0]
        if identity_key is not None:
            b_ik = identity_key
            vec["bob"]["identity_key"] = b_ik.hex()
        sig = signature(a_seed, b_seed, spk) if signature else spk_signature(b_seed, spk)
        try:
            sk, ad, _ = suite.x3dh_initiate(a_seed, b_ik, suite.x25519_pub(spk), sig,
                                            suite.x25519_pub(opk) if use_opk else None, ek)
            vec["expect"] = {"shared_secret": sk.hex(), "associated_data": ad.hex()}
        except ParleyError as e:
            vec["expect"] = {"error": e.category}
        out.append(vec)

    make("with-opk", "X3DH with a one-time prekey: SK from DH1..DH4, AD = IK_A || IK_B (Ed25519).")
    make("without-opk", "X3DH without a one-time prekey: SK from DH1..DH3.", use_opk=False)
    make("bad-signature", "Bob's SPK signature with bit 0 of its first byte flipped: Alice rejects the bundle.",
         signature=lambda a, b, spk: flip(spk_signature(b, spk), 0, 0))
    make("bad-signature-wrong-signer",
         "A valid Ed25519 signature over SPK_B, but made by Alice's identity key instead of Bob's.",
         use_opk=False, signature=lambda a, b, spk: spk_signature(a, spk))
    assert out[2]["expect"] == {"error": "bad_signature"} and out[3]["expect"] == {"error": "bad_signature"}
    mixed_key, mixed_signature = mixed_order_key_and_signature(
        "x3dh-invalid-identity-key/bob", suite.x25519_pub(key("x3dh-invalid-identity-key/bob/spk")))
    make("invalid-identity-key", "IK_B is an Ed25519 key of mixed order (a valid point plus an order-8 "
         "component) and Sig_B a signature by it that libsodium verifies; libsodium refuses to convert it to "
         "X25519 (protocol.md §3.2 step 2) -> invalid_key, before EK_A is drawn.", use_opk=False,
         signature=lambda a, b, spk: mixed_signature, identity_key=mixed_key)
    assert out[4]["expect"] == {"error": "invalid_key"}, out[4]["expect"]
    return out


# ----------------------------------------------------------------------------
def v_pingpong():
    s = Session("pingpong-long", "26 strictly alternating messages (13 each way), every one turns the DH "
                "ratchet; Alice's first message is a PreKeyMessage, the rest are plain Messages.")
    for t in range(26):
        sender, receiver = (A, B) if t % 2 == 0 else (B, A)
        pt = f"turn {t} from {sender}" + "." * (t * 3)
        s.dec(receiver, s.enc(sender, pt), pt)
    return s


def v_burst_shuffled():
    s = Session("burst-shuffled", "Bursts on one chain delivered in a shuffled order, both directions, "
                "without a one-time prekey (flag 0x00). Alice's whole first burst is PreKeyMessages; Bob's "
                "first delivery is not N=0.", use_opk=False)
    rnd = random.Random("burst-shuffled")
    for rnd_i, (sender, receiver, n) in enumerate([(A, B, 5), (B, A, 6), (A, B, 4), (B, A, 3), (A, B, 2)]):
        ws = [(s.enc(sender, f"burst {rnd_i} msg {i}"), f"burst {rnd_i} msg {i}") for i in range(n)]
        order = list(range(n))
        while order == sorted(order):
            rnd.shuffle(order)
        for i in order:
            s.dec(receiver, *ws[i])
    return s


def v_old_chain():
    s = Session("old-chain-late", "Messages of old chains arrive after one and two further DH ratchet steps "
                "and decrypt with the skipped keys stored from PN.")
    a = [s.enc(A, f"a{i}") for i in range(4)]
    s.dec(B, a[0], "a0")
    s.dec(A, s.enc(B, "b0"), "b0")
    c = [s.enc(A, f"c{i}") for i in range(3)]      # PN = 4
    s.dec(B, c[1], "c1")                            # stores A1#1..3 and A2#0
    s.dec(A, s.enc(B, "d0"), "d0")
    e0 = s.enc(A, "e0")                             # PN = 3
    s.dec(B, e0, "e0")                              # stores A2#2
    s.dec(B, a[2], "a2")
    s.dec(B, c[0], "c0")
    s.dec(A, s.enc(B, "f0"), "f0")
    e1 = s.enc(A, "e1")
    s.dec(B, e1, "e1")
    s.dec(B, a[1], "a1")
    s.dec(B, c[2], "c2")
    s.dec(B, a[3], "a3")
    s.dec(A, s.enc(B, "g0"), "g0")
    return s


def v_max_skip():
    s = Session("max-skip", "Exactly MAX_SKIP = 1000 skipped keys, accepted: Bob's first message is Alice's "
                "PreKeyMessage N=1000 (a new session, Nr=0); later the first message of a new DH chain has "
                "N=1000. The N=1000 messages are built from a copy of Alice's state, so Alice's own steps "
                "do not include the 1000 undelivered encryptions.")
    far = s.forge(A, "far message N=1000", skip=1000)
    s.dec(B, far, "far message N=1000")
    s.dec(B, s.enc(A, "a0"), "a0")
    s.dec(B, s.enc(A, "a1"), "a1")
    s.dec(A, s.enc(B, "b0"), "b0")
    far2 = s.forge(A, "far message N=1000 on chain 2", skip=1000)
    s.dec(B, far2, "far message N=1000 on chain 2")
    s.dec(B, s.enc(A, "c0"), "c0")
    s.dec(A, s.enc(B, "b1"), "b1")
    return s


def v_max_skip_plus_one():
    s = Session("max-skip-plus-one", "MAX_SKIP + 1 skipped keys are refused with too_many_skipped and no state "
                "change: on a new session (PreKeyMessage N=1001, Nr=0) and on an existing chain (N=1002 with "
                "Nr=1); the session then still works, including N=1001 (exactly MAX_SKIP). Far messages are "
                "built from a copy of Alice's state.")
    far0 = s.forge(A, "N=1001", skip=1001)
    s.err(B, far0, "too_many_skipped")
    a0 = s.enc(A, "a0")
    s.dec(B, a0, "a0")
    far1 = s.forge(A, "N=1002", skip=1001)   # Alice's copy is at N=1: N = 1002
    s.err(B, far1, "too_many_skipped")
    s.dec(B, s.enc(A, "a1"), "a1")
    far2 = s.forge(A, "N=1001", skip=999)    # copy at N=2: N = 1001 = Nr + MAX_SKIP
    s.dec(B, far2, "N=1001")
    s.dec(B, s.enc(A, "a2"), "a2")
    s.dec(A, s.enc(B, "b0"), "b0")
    return s


def v_plaintexts():
    s = Session("plaintexts", "Empty, 1-byte and multilingual UTF-8 plaintexts in both directions.")
    texts = [b"", b"\x00", b"!", "Hello, world! 中文：你好，世界。 العربية: مرحبا بالعالم 🎉👩‍💻🇯🇵".encode()]
    for t in texts:
        s.dec(B, s.enc(A, t), t)
    for t in texts:
        s.dec(A, s.enc(B, t), t)
    for t in reversed(texts):
        s.dec(B, s.enc(A, t), t)
    return s


def v_plaintext_64k():
    s = Session("plaintext-64k", "A 65536-byte plaintext inside Alice's PreKeyMessage, then a short reply.")
    big = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(65536))
    s.dec(B, s.enc(A, big), big)
    s.dec(A, s.enc(B, "got it"), "got it")
    return s


def v_replay():
    s = Session("replay-duplicate", "Replays are `duplicate`: on the current chain (N < Nr, also after the "
                "key was used from the skipped store), on old chains after DH steps (DHs of a remembered "
                "previous receiving chain), and a replayed PreKeyMessage routed to the existing session.")
    a = [s.enc(A, f"a{i}") for i in range(3)]
    s.dec(B, a[0], "a0")
    s.err(B, a[0], "duplicate")
    s.dec(B, a[2], "a2")
    s.err(B, a[2], "duplicate")
    s.err(B, a[0], "duplicate")
    s.dec(B, a[1], "a1")                # from the skipped store
    s.err(B, a[1], "duplicate")         # key gone, N < Nr
    b = [s.enc(B, f"b{i}") for i in range(2)]
    s.dec(A, b[0], "b0")
    s.err(A, b[0], "duplicate")
    c0 = s.enc(A, "c0")
    s.dec(B, c0, "c0")
    s.err(B, a[0], "duplicate")         # old chain, PreKeyMessage routed by its prefix
    s.err(B, a[1], "duplicate")
    s.err(B, c0, "duplicate")
    s.dec(A, b[1], "b1")
    d0 = s.enc(B, "d0")
    s.dec(A, d0, "d0")
    s.err(A, b[0], "duplicate")         # old chain
    s.err(A, b[1], "duplicate")
    s.dec(B, s.enc(A, "e0"), "e0")
    s.err(B, c0, "duplicate")           # old chain
    s.dec(A, s.enc(B, "f0"), "f0")
    s.err(A, d0, "duplicate")
    s.dec(B, s.enc(A, "g0"), "g0")
    return s


def message_fields(off: int):
    """(name, start, length) of a Message starting at `off`."""
    return [("version", off, 1), ("type", off + 1, 1), ("DHs", off + 2, 32), ("PN", off + 34, 4),
            ("N", off + 38, 4), ("nonce", off + 42, 24)]


def flip_positions(length: int, fields):
    """One bit per byte (bit = byte index mod 8), every bit of PN and N, and
    bit 7 of the last byte of every key field (bit 255: non-canonical)."""
    pos = {(i, i % 8) for i in range(length)}
    for name, start, n in fields:
        if name.endswith("PN") or name.endswith("N"):
            pos |= {(start + i, j) for i in range(n) for j in range(8)}
        if n == 32:
            pos.add((start + 31, 7))
    return sorted(pos)


def field_of(fields, byte):
    name = "ciphertext"
    for f, start, n in fields:
        if start <= byte < start + n:
            name = f
    return name


def flip_all(s, party, w, fields, exclude=()):
    cats = {}
    for byte, bit in flip_positions(len(w), fields):
        f = field_of(fields, byte)
        if f in exclude:
            continue
        cat = s.err(party, flip(w, byte, bit))
        cats.setdefault(f, set()).add(cat)
    return cats


def v_bitflip_message():
    s = Session("bitflip-message", "Bit flips in every field of two Messages from Bob: M1 starts a new DH chain "
                "for Alice (PN=3), M2 is on her current chain (N=2, Nr=1). Flipped: one bit of every byte, "
                "every bit of PN and N, bit 255 of DHs. Categories follow the decisions' order: version/type "
                "and bit 255 of DHs -> malformed; on M1 a PN above Nr+1000 -> too_many_skipped; an N above "
                "Nr+1000 -> too_many_skipped; on M2 an N below Nr -> duplicate; otherwise authentication. "
                "Each message then decrypts.")
    s.dec(B, s.enc(A, "a0"), "a0")
    for i in range(3):
        s.dec(A, s.enc(B, f"b{i}"), f"b{i}")
    s.dec(B, s.enc(A, "a1"), "a1")
    m1 = s.enc(B, "M1 new chain")
    cats = flip_all(s, A, m1, message_fields(0))
    assert cats["version"] == {"malformed"} and cats["type"] == {"malformed"}
    assert cats["PN"] == {"authentication", "too_many_skipped"}, cats
    assert cats["nonce"] == {"authentication"} and cats["ciphertext"] == {"authentication"}
    s.dec(A, m1, "M1 new chain")
    m = [m1] + [s.enc(B, f"M2 candidate {i}") for i in range(1, 3)]
    s.dec(A, m[1], "M2 candidate 1")
    cats = flip_all(s, A, m[2], message_fields(0))
    assert cats["N"] == {"authentication", "too_many_skipped", "duplicate"}, cats
    assert cats["PN"] == {"authentication"}, cats
    s.dec(A, m[2], "M2 candidate 2")
    s.dec(B, s.enc(A, "after the flips"), "after the flips")
    return s


def prekey_fields(w: bytes):
    fields = [("pk.version", 0, 1), ("pk.type", 1, 1), ("IK_A", 2, 32), ("EK_A", 34, 32), ("SPK_B", 66, 32),
              ("flag", 98, 1)]
    off = 99
    if w[98] == 1:
        fields.append(("OPK_B", 99, 32))
        off = 131
    return fields + [("inner." + n, st, ln) for n, st, ln in message_fields(off)], off


def v_bitflip_prekey_first():
    s = Session("bitflip-prekeymessage-new", "Bit flips in every field of Alice's first PreKeyMessage, delivered "
                "before Bob has any session (each flip is a new X3DH attempt). Categories by the decisions' "
                "order: bad version/type/flag or non-canonical key -> malformed; unknown SPK/OPK -> "
                "unknown_prekey; IK_A that libsodium cannot convert -> invalid_key; any inner PN other than 0 -> "
                "malformed (a PreKeyMessage wraps only the initiator's first chain); inner N above 1000 "
                "-> too_many_skipped (Nr = 0, no receiving chain); everything else authentication.")
    w = s.enc(A, "first")
    fields, _ = prekey_fields(w)
    cats = flip_all(s, B, w, fields)
    assert cats["SPK_B"] == {"unknown_prekey", "malformed"} and cats["OPK_B"] == {"unknown_prekey", "malformed"}
    assert cats["inner.PN"] == {"malformed"}, cats
    s.dec(B, w, "first")
    s.dec(A, s.enc(B, "reply"), "reply")
    s.dec(B, s.enc(A, "second"), "second")
    return s


def v_bitflip_prekey_routed():
    s = Session("bitflip-prekeymessage-routed", "Bit flips in Alice's second PreKeyMessage, after Bob has the "
                "session made from its prefix and has deleted the OPK. Routing rule (1) matches the whole prefix "
                "(IK_A, EK_A, SPK_B, OPK_B), so any flipped prefix field is a new X3DH: a flipped SPK_B or OPK_B "
                "names a prekey Bob does not hold, and a flipped IK_A or EK_A needs the deleted OPK -> "
                "unknown_prekey (checked before IK_A), or malformed for a non-canonical key; a flipped inner PN "
                "is malformed. Every flip is rejected; the original then decrypts.")
    s.dec(B, s.enc(A, "first"), "first")
    w = s.enc(A, "second")
    fields, _ = prekey_fields(w)
    cats = flip_all(s, B, w, fields)
    for field in ("IK_A", "EK_A", "SPK_B", "OPK_B"):
        assert cats[field] <= {"unknown_prekey", "malformed"}, (field, cats[field])
    s.dec(B, w, "second")
    s.err(B, w, "duplicate")
    s.dec(A, s.enc(B, "reply"), "reply")
    s.dec(B, s.enc(A, "plain now"), "plain now")
    return s


def v_truncation():
    s = Session("truncation", "Truncated PreKeyMessages and Messages (every field boundary, and inside fields) "
                "are malformed; a Message cut inside the ciphertext but still >= 82 bytes, or one with bytes "
                "appended, parses and fails authentication. Odd framings: flag 0x00 with the OPK still present, "
                "flag 0x01 with the OPK removed, a version 0x02, a type 0x03.")
    w = s.enc(A, "prekey message to cut")
    fields, off = prekey_fields(w)
    cuts = sorted({0, 1, 2, 3, 33, 34, 66, 97, 98, 99, 100, 130, off + 1, off + 2, off + 41, off + 42, off + 65,
                   off + 66, off + 81})
    for n in cuts:
        s.err(B, w[:n], "malformed")
    s.try_dec(B, w[:off + 82])           # inner Message of exactly 82 bytes: parses
    s.err(B, w[:98] + b"\x00" + w[99:], None)
    s.err(B, w[:98] + w[131:], None)
    s.err(B, b"\x02" + w[1:], "malformed")
    s.err(B, w[:1] + b"\x03" + w[2:], "malformed")
    s.dec(B, w, "prekey message to cut")
    m = s.enc(B, "message to cut")
    for n in [0, 1, 2, 10, 41, 42, 50, 65, 66, 81]:
        s.err(A, m[:n], "malformed")
    s.err(A, m[:82], "authentication")
    s.err(A, m[:-1], "authentication")
    s.err(A, m + b"\x00", "authentication")
    s.dec(A, m, "message to cut")
    s.dec(B, s.enc(A, "still fine"), "still fine")
    return s


def v_all_zero_dh():
    s = Session("all-zero-dh", "Canonical low-order X25519 keys (0, 1, p-1 and the two order-8 points) as DHs "
                "of a Message (new DH chain) and as EK_A of a PreKeyMessage make an all-zero DH output -> "
                "invalid_key; also an IK_A that is the Ed25519 identity point (libsodium cannot convert it) and "
                "a low-order inner DHs in the first PreKeyMessage (RatchetInitBob's DH). No state changes; the "
                "session then works.")
    w = s.enc(A, "first")
    inner = 131
    for nm, pt in LOW_ORDER.items():
        s.err(B, w[:34] + pt + w[66:], "invalid_key")                       # EK_A
    s.err(B, w[:2] + bytes([1]) + bytes(31) + w[34:], "invalid_key")      # IK_A = identity point
    for nm in ("zero", "one"):
        s.err(B, w[:inner + 2] + LOW_ORDER[nm] + w[inner + 34:], "invalid_key")  # inner DHs
    s.dec(B, w, "first")
    m = s.enc(B, "reply")
    for nm, pt in LOW_ORDER.items():
        s.err(A, m[:2] + pt + m[34:], "invalid_key")
    s.dec(A, m, "reply")
    a = s.enc(A, "plain")
    for nm in ("zero", "p-1"):
        s.err(B, a[:2] + LOW_ORDER[nm] + a[34:], "invalid_key")
    s.dec(B, a, "plain")
    s.dec(A, s.enc(B, "ok"), "ok")
    return s


def second_initiation(s, tag, opk=None):
    """Alice's identity starts another X3DH with Bob outside the steps (as after
    reinstalling her session store); returns that party (its messages reach Bob
    as Alice's)."""
    from session import Party
    c = itertools.count()
    rng = suite.ScriptedRandom([], source=lambda: key(f"{tag}/ratchet/{next(c)}"),
                               nonce_source=lambda: key(f"{tag}/nonce/{next(c)}")[:24])
    alice2 = Party(tag, bytes.fromhex(s.vec["alice"]["identity_seed"]), rng)
    spk = bytes.fromhex(s.vec["bob"]["signed_prekey"])
    alice2.initiate(s.bob.ik_pub, suite.x25519_pub(spk), spk_signature(bytes.fromhex(s.vec["bob"]["identity_seed"]), spk),
                    opk, key(f"{tag}/ephemeral"))
    return alice2


def v_unknown_prekey():
    s = Session("unknown-prekey", "PreKeyMessages naming an SPK or an OPK that Bob does not hold -> "
                "unknown_prekey. After the first message decrypted Bob deletes the OPK: a second X3DH by Alice "
                "(new EK_A, same OPK) is then unknown_prekey as well; the session keeps working.")
    w = s.enc(A, "first")
    other = suite.x25519_pub(key("unknown-prekey/not-held"))
    s.err(B, w[:66] + other + w[98:], "unknown_prekey")
    s.err(B, w[:99] + other + w[131:], "unknown_prekey")
    s.err(B, w[:99] + suite.x25519_pub(bytes.fromhex(s.vec["bob"]["signed_prekey"])) + w[131:], "unknown_prekey")
    s.dec(B, w, "first")
    # a second, independent initiation by Alice with the same (now deleted) OPK
    alice2 = second_initiation(s, "unknown-prekey/alice2", bytes.fromhex(s.vec["x3dh"]["one_time_prekey"]))
    w2 = alice2.encrypt(s.bob.ik_pub, b"second initiation", None)
    s.err(B, w2, "unknown_prekey")
    s.dec(A, s.enc(B, "reply"), "reply")
    s.dec(B, s.enc(A, "after"), "after")
    return s


def v_prekey_out_of_order():
    s = Session("prekey-out-of-order", "Four PreKeyMessages from Alice delivered as N=2, 0, 3, 1: the first "
                "delivered one makes the session (skipping 0 and 1), the others are routed to it by their "
                "prefix (IK_A, EK_A, SPK_B, OPK_B). After Bob's reply Alice sends plain Messages.")
    w = [s.enc(A, f"pk{i}") for i in range(4)]
    for i in (2, 0, 3, 1):
        s.dec(B, w[i], f"pk{i}")
    s.dec(A, s.enc(B, "reply"), "reply")
    m = s.enc(A, "plain")
    assert m[1] == 1
    s.dec(B, m, "plain")
    return s


def set_pn(w: bytes, off: int, pn: int) -> bytes:
    return w[:off + 34] + pn.to_bytes(4, "big") + w[off + 38:]


def v_pn_bound():
    s = Session("pn-bound", "The PN bound (decisions 4a: Nr + MAX_SKIP < PN -> too_many_skipped) is checked "
                "before the AEAD and even with no receiving chain (Nr = 0): Bob's first reply with PN set to "
                "1001 -> too_many_skipped, 1000 -> passes the bound, fails authentication. (In a "
                "PreKeyMessage any PN other than 0 is malformed: 1001, 2^32 - 1 and 1000 in Alice's first.) "
                "Then an honest case the doubleratchet package would accept with a warning: "
                "Alice's copy sent 1001 undelivered messages on a chain Bob had read 1 of, so her next chain "
                "has PN = 1002 > 1 + 1000 -> too_many_skipped.")
    w = s.enc(A, "a0")
    s.err(B, set_pn(w, 131, 1001), "malformed")
    s.err(B, set_pn(w, 131, 0xFFFFFFFF), "malformed")
    s.err(B, set_pn(w, 131, 1000), "malformed")
    s.dec(B, w, "a0")
    b0 = s.enc(B, "b0")
    s.err(A, set_pn(b0, 0, 1001), "too_many_skipped")
    s.err(A, set_pn(b0, 0, 1000), "authentication")
    s.dec(A, b0, "b0")
    x0 = s.enc(A, "x0")                  # chain A2, N=0
    s.dec(B, x0, "x0")                   # Bob: Nr = 1 on A2
    y0 = s.enc(B, "y0")
    z = s.forge(A, "from a copy with PN=1002", skip=1001, receive=[y0])
    assert int.from_bytes(z[34:38], "big") == 1002
    s.err(B, z, "too_many_skipped")
    s.dec(A, y0, "y0")
    z0 = s.enc(A, "z0")                  # PN = 1
    s.dec(B, z0, "z0")
    s.dec(A, s.enc(B, "fine"), "fine")
    return s


def v_archived():
    s = Session("archived-session", "Alice starts a second X3DH (new EK_A, no OPK) while a Message of the first "
                "session is in flight: Bob makes the new session current and archives the old one. A replay of a "
                "Message of the first session is duplicate: its ratchet key is known only to the archived session, "
                "which alone is tried and classifies it as duplicate (protocol.md §6.4 step 3). The late Message "
                "then decrypts in the archived session (the one that knows its ratchet key), which becomes "
                "current again (promotion); its replay is duplicate.")
    s.dec(B, s.enc(A, "a0"), "a0")
    s.dec(A, s.enc(B, "b0"), "b0")
    plain = s.enc(A, "plain message of session 1")
    s.dec(B, plain, "plain message of session 1")
    late = s.enc(A, "late plain message of session 1")
    alice2 = second_initiation(s, "archived/alice2")
    s.dec(B, alice2.encrypt(s.bob.ik_pub, b"session 2 starts", None), "session 2 starts")
    s.err(B, plain, "duplicate")
    s.dec(B, late, "late plain message of session 1")
    s.err(B, late, "duplicate")
    return s


def v_promotion():
    s = Session("promotion", "An archived session that decrypts becomes current (protocol.md §6.4): after "
                "Alice's second X3DH made session 2 current at Bob, a late Message of session 1 promotes "
                "session 1, so Bob's next encryption is in session 1 (which Alice decrypts); a later "
                "PreKeyMessage of session 2 is routed to it (rule 1) and promotes it again, so Bob's next "
                "encryption is in session 2 (a Message for the second initiation, outside the steps).")
    s.dec(B, s.enc(A, "a0"), "a0")
    s.dec(A, s.enc(B, "b0"), "b0")
    late = s.enc(A, "late plain message of session 1")
    alice2 = second_initiation(s, "promotion/alice2")
    first2 = alice2.encrypt(s.bob.ik_pub, b"session 2 starts", None)
    second2 = alice2.encrypt(s.bob.ik_pub, b"session 2, second PreKeyMessage", None)
    s.dec(B, first2, "session 2 starts")
    s.dec(B, late, "late plain message of session 1")
    s.dec(A, s.enc(B, "reply in session 1, promoted"), "reply in session 1, promoted")
    s.dec(B, s.enc(A, "session 1 goes on"), "session 1 goes on")
    s.dec(B, second2, "session 2, second PreKeyMessage")
    reply2 = s.enc(B, "reply in session 2, promoted again")
    assert alice2.decrypt(s.bob.ik_pub, reply2) == b"reply in session 2, promoted again"
    s.err(A, reply2, "authentication")  # Alice's session 1 cannot read it
    return s


def v_reflected_prefix():
    s = Session("reflected-prefix", "A PreKeyMessage prefix reaches only a session the receiver made as responder "
                "from exactly that prefix (protocol.md §6.1, §6.4 rule 1). Bob's genuine reply wrapped in Alice's "
                "prefix with IK_A replaced by Bob's identity key (roles reflected), and wrapped in Alice's genuine "
                "prefix, match no session of Alice's (she made hers as initiator): each is a new X3DH naming a "
                "prekey she does not hold -> unknown_prekey, no change. Alice's own PreKeyMessage prefix around "
                "Bob's reply, sent to Bob, reaches his session and fails (authentication). The reply then "
                "decrypts.")
    first = s.enc(A, "first")
    s.dec(B, first, "first")
    reply = s.enc(B, "reply")
    end = 131 if first[98] == 1 else 99
    s.err(A, first[:2] + s.bob.ik_pub + first[34:end] + reply, "unknown_prekey")
    s.err(A, first[:end] + reply, "unknown_prekey")
    s.err(B, first[:end] + reply, "authentication")
    s.dec(A, reply, "reply")
    s.dec(B, s.enc(A, "after"), "after")
    return s


def v_skipped_eviction():
    s = Session("skipped-key-eviction", "More than MAX_STORED_SKIPPED = 2000 skipped keys: Bob stores 6 keys "
                "(Alice's first chain #0..#5) from a message N=6, then one message whose PN skips 997 more on that "
                "chain and whose N=1000 skips 1000 on a new chain: 2003 keys, so the 3 oldest (#0..#2) are "
                "dropped (oldest by insertion first, protocol.md §4.8). Alice's messages #0 and #2 are then "
                "duplicate (their chain is remembered), #3 and #4 still decrypt from the store. Far messages "
                "are built from copies of Alice's state (so the conversation cannot go on after them).")
    a = [s.enc(A, f"a{i}") for i in range(5)]   # chain 1, N = 0..4, not delivered yet
    s.dec(B, s.forge(A, "N=6", skip=1), "N=6")  # stores chain-1 keys #0..#5
    b0 = s.enc(B, "b0")
    big = s.forge(A, "PN=1004, N=1000", skip=999, receive=[b0], then_skip=1000)
    assert int.from_bytes(big[34:38], "big") == 1004 and int.from_bytes(big[38:42], "big") == 1000
    s.dec(B, big, "PN=1004, N=1000")            # +997 (chain 1 #7..#1003) +1000 (chain 2 #0..#999)
    s.err(B, a[0], "duplicate")
    s.err(B, a[2], "duplicate")
    s.dec(B, a[3], "a3")
    s.dec(B, a[4], "a4")
    s.dec(A, b0, "b0")  # (Bob's root chain now follows the copy's: the real Alice cannot go on)
    return s


def v_remembered_chains():
    s = Session("remembered-chains", "MAX_PREVIOUS_CHAINS = 20: after Alice's 23rd receiving chain reached Bob, "
                "he remembers the 20 before it (chains 3..22). A replay of the message of chain 3 is duplicate "
                "(protocol.md §4.6 step 3.1); chains 1 and 2 are forgotten: their replays are a new DH step "
                "that fails authentication. The same holds for Alice with Bob's chains.")
    sent = {A: [], B: []}
    for t in range(46):
        sender, receiver = (A, B) if t % 2 == 0 else (B, A)
        pt = f"chain {t // 2 + 1} of {sender}"
        w = s.enc(sender, pt)
        s.dec(receiver, w, pt)
        sent[sender].append(w)
    s.err(B, sent[A][2], "duplicate")
    s.err(B, sent[A][1], "authentication")
    s.err(B, sent[A][0], "authentication")  # a PreKeyMessage, routed to the session (rule 1): chain 1 forgotten
    s.err(A, sent[B][2], "duplicate")
    s.err(A, sent[B][1], "authentication")
    s.err(A, sent[B][0], "authentication")
    s.dec(B, s.enc(A, "still fine"), "still fine")
    return s


def v_archive_eviction():
    s = Session("archive-eviction", "MAX_ARCHIVED = 40: Alice's identity starts 41 further sessions with Bob "
                "(outside the steps, no OPK); each first message makes a new session current, so session 1 "
                "(the vector's) is dropped from the archive, oldest first, and session 2 is the oldest kept. "
                "A late Message of session 1 then fails: no session held knows its ratchet key and none can receive "
                "a new one (Bob never sent in them) -> authentication; a late Message of session 2 decrypts in "
                "the archive.", use_opk=False)
    s.dec(B, s.enc(A, "a0"), "a0")
    s.dec(A, s.enc(B, "b0"), "b0")
    late1 = s.enc(A, "late message of session 1")
    others = [second_initiation(s, f"archive-eviction/alice{i}") for i in range(2, 43)]
    late2 = None
    for i, other in enumerate(others):
        s.dec(B, other.encrypt(s.bob.ik_pub, f"session {i + 2} starts".encode(), None), f"session {i + 2} starts")
        if i == 0:
            late2 = other.encrypt(s.bob.ik_pub, b"late message of session 2", None)
    assert len(s.bob.archived[s.alice.ik_pub]) == 40
    s.err(B, late1, "authentication")
    s.dec(B, late2, "late message of session 2")
    return s


def v_new_ratchet_key_routing():
    s = Session("new-ratchet-key-routing", "A Message with a ratchet key no session knows is tried only on sessions "
                "that can receive a new one (Bob has sent in them since their last DH step), at most "
                "MAX_NEW_RATCHET_KEY_ATTEMPTS = 2 of them, current first (protocol.md §6.4 step 3). Alice's late "
                "Message of session 1 (a new chain) decrypts although sessions 2 and 3 (Bob never answered in "
                "them) are newer: they are not tried. Later Bob has answered in sessions 1, 2 and 3 (2 and 3 "
                "promoted by second PreKeyMessages), and another late new-chain Message of session 1 is tried "
                "only on sessions 3 and 2: authentication, no change.", use_opk=False)
    s.dec(B, s.enc(A, "a0"), "a0")
    s.dec(A, s.enc(B, "b0"), "b0")
    late = s.enc(A, "late message of session 1, new chain")
    alice2 = second_initiation(s, "new-ratchet-key-routing/alice2")
    alice3 = second_initiation(s, "new-ratchet-key-routing/alice3")
    s.dec(B, alice2.encrypt(s.bob.ik_pub, b"session 2 starts", None), "session 2 starts")
    s.dec(B, alice3.encrypt(s.bob.ik_pub, b"session 3 starts", None), "session 3 starts")
    s.dec(B, late, "late message of session 1, new chain")  # session 1 promoted
    s.dec(A, s.enc(B, "b1 in session 1"), "b1 in session 1")
    late2 = s.enc(A, "second late message of session 1, new chain")
    s.dec(B, alice2.encrypt(s.bob.ik_pub, b"session 2 again", None), "session 2 again")  # rule 1, promoted
    s.enc(B, "reply in session 2")
    s.dec(B, alice3.encrypt(s.bob.ik_pub, b"session 3 again", None), "session 3 again")  # rule 1, promoted
    s.enc(B, "reply in session 3")
    s.err(B, late2, "authentication")
    return s


def v_rewrapped_prefix():
    s = Session("rewrapped-prefix", "One message, one accepted encoding (protocol.md §5.3, §6.4 step 3): Alice's "
                "genuine PreKeyMessage prefix wrapped around her later plain Message (PN >= 1) is malformed, and "
                "the Message inside her second PreKeyMessage sent bare (PN = 0) matches Bob's session made as "
                "responder, which cannot receive a plain Message of the initiator's first chain -> "
                "authentication. Nothing changes; the genuine encodings then decrypt.")
    first = s.enc(A, "first")
    s.dec(B, first, "first")
    second = s.enc(A, "second, still wrapped")
    end = 131 if first[98] == 1 else 99
    s.err(B, second[end:], "authentication")
    s.dec(B, second, "second, still wrapped")
    s.dec(A, s.enc(B, "reply"), "reply")
    plain = s.enc(A, "plain")
    s.err(B, first[:end] + plain, "malformed")
    s.dec(B, plain, "plain")
    return s


SESSIONS = [v_pingpong, v_burst_shuffled, v_old_chain, v_max_skip, v_max_skip_plus_one, v_plaintexts,
            v_plaintext_64k, v_replay, v_bitflip_message, v_bitflip_prekey_first, v_bitflip_prekey_routed,
            v_truncation, v_all_zero_dh, v_unknown_prekey, v_prekey_out_of_order, v_pn_bound, v_archived,
            v_promotion, v_reflected_prefix, v_skipped_eviction, v_remembered_chains, v_archive_eviction,
            v_new_ratchet_key_routing, v_rewrapped_prefix]


def dump(vec) -> str:
    return json.dumps(vec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    if len(argv) != 1:
        print("usage: generate.py OUTDIR", file=sys.stderr)
        return 2
    outdir = argv[0]
    os.makedirs(outdir, exist_ok=True)
    warnings.simplefilter("error", UserWarning)
    import generate_v2
    vectors = x3dh_vectors() + [f().build() for f in SESSIONS]
    vectors += generate_v2.x3dh_vectors() + [f().build() for f in generate_v2.SESSIONS]
    for vec in vectors:
        # self-check: a fresh replay from the JSON must pass
        vec = json.loads(dump(vec))
        run_vector(vec)
        if vec["kind"] == "session" and vec["suite"] == SUITE:
            crosscheck.check_session(vec)
        path = os.path.join(outdir, f"{vec['kind']}-{vec['name']}.json")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(dump(vec))
        print(f"wrote {path} ({len(vec.get('steps', []))} steps)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
