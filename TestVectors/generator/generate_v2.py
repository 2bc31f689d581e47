"""The Parley-v2 scenarios (PQXDH with ML-KEM-1024), used by generate.py.

Keys, seeds, nonces and encapsulation messages m are
SHA-256("parley-v2-test-vectors/" + label) (a 64-byte KEM seed is two such
hashes, d then z), so the output is byte-identical on every run.
"""
from __future__ import annotations

import hashlib
import itertools

import pq
import suite
import wire
from errors import ParleyError
from runner import FORMAT, SUITE_V2, build_session_parties_v2

import generate as g

A, B = g.A, g.B
PQ_OFF = {False: 99, True: 131}  # where PQID_B starts, without / with OPK_B


def key(label: str) -> bytes:
    return hashlib.sha256(b"parley-v2-test-vectors/" + label.encode()).digest()


def seed64(label: str) -> bytes:
    return key(label + "/d") + key(label + "/z")


class SessionV2(g.Session):
    """A Parley-v2 session vector: Bob holds one one-time and one last-resort
    PQ prekey; the bundle Alice uses names the one of `pq_kind`."""

    def __init__(self, name, description, use_opk=True, n_opks=2, pq_kind="one_time"):
        self.name = name
        L = lambda s: key(f"{name}/{s}")  # noqa: E731
        opks = [L(f"bob/opk/{i}") for i in range(n_opks)]
        pq_prekeys = [pq.KEMKey(seed64(f"{name}/bob/pq/one_time"), "one_time"),
                      pq.KEMKey(seed64(f"{name}/bob/pq/last_resort"), "last_resort")]
        chosen = next(k for k in pq_prekeys if k.kind == pq_kind)
        self.vec = {
            "format": FORMAT, "suite": SUITE_V2, "kind": "session", "name": name, "description": description,
            "alice": {"identity_seed": L("alice/identity").hex()},
            "bob": {"identity_seed": L("bob/identity").hex(), "signed_prekey": L("bob/spk").hex(),
                    "one_time_prekeys": [k.hex() for k in opks],
                    "pq_prekeys": [{"seed": k.seed.hex(), "kind": k.kind} for k in pq_prekeys]},
            "x3dh": {"ephemeral": L("alice/ephemeral").hex(),
                     "one_time_prekey": suite.x25519_pub(opks[0]).hex() if use_opk else None,
                     "pq_prekey": chosen.pqid.hex()},
        }
        self.rngs = {}
        for party in (A, B):
            rc, nc = itertools.count(), itertools.count()
            self.rngs[party] = suite.ScriptedRandom(
                [], source=(lambda p=party, c=rc: L(f"{p}/ratchet/{next(c)}")),
                nonce_source=(lambda p=party, c=nc: L(f"{p}/nonce/{next(c)}")[:24]))
        ec = itertools.count()
        self.alice, self.bob, sk, ad, self.encapsulations = build_session_parties_v2(
            self.vec, self.rngs[A], self.rngs[B], lambda ek: pq.encaps(ek, L(f"alice/encaps/{next(ec)}")))
        self.vec["x3dh"]["shared_secret"] = sk.hex()
        self.vec["x3dh"]["associated_data"] = ad.hex()
        self.use_opk = use_opk
        self.steps = []
        self.forge_count = itertools.count()

    def build(self):
        self.vec["kem_encapsulations"] = {"alice": [
            {"ciphertext": ct.hex(), "shared_secret": ss.hex()} for ct, ss in self.encapsulations.entries]}
        return super().build()


def prekey_fields_v2(w: bytes):
    fields = [("pk.version", 0, 1), ("pk.type", 1, 1), ("IK_A", 2, 32), ("EK_A", 34, 32), ("SPK_B", 66, 32),
              ("flag", 98, 1)]
    off = 99
    if w[98] == 1:
        fields.append(("OPK_B", 99, 32))
        off = 131
    fields += [("PQID_B", off, 32), ("CT", off + 32, pq.CT_LEN)]
    off += 32 + pq.CT_LEN
    return fields + [("inner." + n, st, ln) for n, st, ln in g.message_fields(off)], off


def flip_prefix(s, party, w, fields, stride_ct=97):
    """One bit per byte of every prefix field except CT, where every
    `stride_ct`-th byte and the first and last are flipped (each CT flip costs
    a Decaps; the CT is one field)."""
    cats = {}
    ct = next(f for f in fields if f[0] == "CT")
    ct_bytes = set(range(ct[1], ct[1] + ct[2], stride_ct)) | {ct[1] + ct[2] - 1}
    for byte, bit in g.flip_positions(len(w), fields):
        name = g.field_of(fields, byte)
        if name.startswith("inner") or name == "ciphertext":
            continue
        if name == "CT" and byte not in ct_bytes:
            continue
        cats.setdefault(name, set()).add(s.err(party, g.flip(w, byte, bit)))
    return cats


# ----------------------------------------------------------------------------
def x3dh_vectors():
    out = []

    def make(name, description, use_opk=True, signature=None, pq_sig=None, identity_key=None):
        L = lambda s: key(f"x3dh-{name}/{s}")  # noqa: E731
        a_seed, b_seed, spk, opk, ek = (L("alice/identity"), L("bob/identity"), L("bob/spk"), L("bob/opk"),
                                        L("alice/ephemeral"))
        pq_key = pq.KEMKey(seed64(f"x3dh-{name}/bob/pq"))
        ct, ss = pq.encaps(pq_key.ek, L("alice/encaps"))
        vec = {"format": FORMAT, "suite": SUITE_V2, "kind": "x3dh", "name": name, "description": description,
               "alice": {"identity_seed": a_seed.hex()},
               "bob": {"identity_seed": b_seed.hex(), "signed_prekey": spk.hex(),
                       "one_time_prekey": opk.hex() if use_opk else None, "pq_prekey_seed": pq_key.seed.hex()},
               "ephemeral": ek.hex(), "encapsulation": {"ciphertext": ct.hex(), "shared_secret": ss.hex()}}
        spk_pub = suite.x25519_pub(spk)
        b_ik = suite.ed25519_keypair(b_seed)[0]
        if identity_key is not None:
            b_ik = identity_key
            vec["bob"]["identity_key"] = b_ik.hex()
        sig = signature(b_seed, spk_pub) if signature else pq.spk_v2_signature(b_seed, spk_pub)
        psig = pq_sig(b_seed, pq_key.ek) if pq_sig else pq.pq_signature(b_seed, pq_key.ek)
        if signature:
            vec["signature"] = sig.hex()
        if pq_sig:
            vec["pq_signature"] = psig.hex()
        try:
            sk, ad, _, _, _ = pq.initiate(a_seed, b_ik, spk_pub, sig, suite.x25519_pub(opk) if use_opk else None,
                                          pq_key.ek, psig, lambda: ek, lambda _ek: (ct, ss))
            vec["expect"] = {"shared_secret": sk.hex(), "associated_data": ad.hex()}
        except ParleyError as e:
            vec["expect"] = {"error": e.category}
        out.append(vec)

    make("v2-with-opk", "PQXDH with a one-time prekey: SK = HKDF(0xFF*32 || DH1..DH4 || SS, info \"Parley-v2 "
         "PQXDH\"), AD = IK_A || IK_B; SS from ML-KEM-1024 (the injected encapsulation).")
    make("v2-without-opk", "PQXDH without a one-time prekey: SK from DH1..DH3 || SS.", use_opk=False)
    make("v2-bad-signature-v1-spk", "SPK_B signed the Parley-v1 way (Sign(IK_B, SPK_B), no \"parley-spk-v2\" "
         "prefix): bad_signature before EK_A is drawn and before any encapsulation.",
         signature=lambda b, spk: suite.ed25519_sign(b, spk))
    make("v2-bad-pq-signature", "The PQ prekey signature with bit 0 of its first byte flipped: bad_signature, "
         "nothing drawn or encapsulated.", use_opk=False,
         pq_sig=lambda b, pk: g.flip(pq.pq_signature(b, pk), 0, 0))
    make("v2-bad-pq-signature-no-prefix", "The PQ prekey signed without the \"parley-pqpk-v2\" prefix: "
         "bad_signature.", pq_sig=lambda b, pk: suite.ed25519_sign(b, pk))
    assert all(v["expect"] == {"error": "bad_signature"} for v in out[2:5]), [v["expect"] for v in out]
    return out


# ----------------------------------------------------------------------------
def v_pingpong():
    s = SessionV2("v2-pingpong-long", "Parley-v2: 26 strictly alternating messages, every one turns the DH "
                  "ratchet (KDF_RK info \"Parley-v2 root\", version byte 0x02); Alice's first message is a "
                  "PreKeyMessage with OPK_B and a one-time PQ prekey.")
    for t in range(26):
        sender, receiver = (A, B) if t % 2 == 0 else (B, A)
        pt = f"turn {t} from {sender}" + "." * (t * 3)
        s.dec(receiver, s.enc(sender, pt), pt)
    return s


def v_burst_shuffled():
    s = SessionV2("v2-burst-shuffled", "Parley-v2, last-resort PQ prekey, no OPK: bursts delivered shuffled in "
                  "both directions; Alice's whole first burst is PreKeyMessages routed by the whole v2 prefix.",
                  use_opk=False, pq_kind="last_resort")
    import random
    rnd = random.Random("v2-burst-shuffled")
    for rnd_i, (sender, receiver, n) in enumerate([(A, B, 5), (B, A, 6), (A, B, 4), (B, A, 3), (A, B, 2)]):
        ws = [(s.enc(sender, f"burst {rnd_i} msg {i}"), f"burst {rnd_i} msg {i}") for i in range(n)]
        order = list(range(n))
        while order == sorted(order):
            rnd.shuffle(order)
        for i in order:
            s.dec(receiver, *ws[i])
    return s


def v_old_chain():
    s = SessionV2("v2-old-chain-late", "Parley-v2: messages of old chains arrive after one and two further DH "
                  "steps and decrypt with the skipped keys stored from PN (a long out-of-order conversation).")
    a = [s.enc(A, f"a{i}") for i in range(4)]
    s.dec(B, a[0], "a0")
    s.dec(A, s.enc(B, "b0"), "b0")
    c = [s.enc(A, f"c{i}") for i in range(3)]
    s.dec(B, c[1], "c1")
    s.dec(A, s.enc(B, "d0"), "d0")
    e0 = s.enc(A, "e0")
    s.dec(B, e0, "e0")
    s.dec(B, a[2], "a2")
    s.dec(B, c[0], "c0")
    s.dec(A, s.enc(B, "f0"), "f0")
    s.dec(B, s.enc(A, "e1"), "e1")
    s.dec(B, a[1], "a1")
    s.dec(B, c[2], "c2")
    s.dec(B, a[3], "a3")
    s.dec(A, s.enc(B, "g0"), "g0")
    return s


def v_one_time_pq():
    s = SessionV2("v2-one-time-pq-prekey", "A one-time PQ prekey is deleted when the first message decrypts: "
                  "a PreKeyMessage with the same EK_A and PQID_B but another CT (rule 1 does not route it: CT is "
                  "part of the prefix) is unknown_prekey; so is one naming a PQID_B Bob never held. The session "
                  "keeps working.", use_opk=False)
    w = s.enc(A, "first")
    off = PQ_OFF[False]
    stranger = pq.KEMKey(seed64("v2-one-time-pq-prekey/stranger"))
    s.err(B, w[:off] + stranger.pqid + w[off + 32:], "unknown_prekey")   # never held
    s.dec(B, w, "first")
    ek = pq.KEMKey(bytes.fromhex(s.vec["bob"]["pq_prekeys"][0]["seed"])).ek
    other_ct, _ = pq.encaps(ek, key("v2-one-time-pq-prekey/other-ct"))
    s.err(B, w[:off + 32] + other_ct + w[off + 32 + pq.CT_LEN:], "unknown_prekey")  # deleted
    s.dec(A, s.enc(B, "reply"), "reply")
    s.dec(B, s.enc(A, "after"), "after")
    return s


def v_last_resort_reuse():
    s = SessionV2("v2-last-resort-reuse", "A last-resort PQ prekey stays after use and (PQID_B, EK_A) is "
                  "recorded: a PreKeyMessage with the same EK_A and PQID_B but another CT (not routed to the "
                  "session: CT is part of the prefix) is duplicate (rule 2 step 4, before any DH or Decaps). "
                  "The replayed original is routed to its session and is duplicate there.",
                  use_opk=False, pq_kind="last_resort")
    w = s.enc(A, "first")
    s.dec(B, w, "first")
    off = PQ_OFF[False]
    ek = pq.KEMKey(bytes.fromhex(s.vec["bob"]["pq_prekeys"][1]["seed"]), "last_resort").ek
    other_ct, _ = pq.encaps(ek, key("v2-last-resort-reuse/other-ct"))
    s.err(B, w[:off + 32] + other_ct + w[off + 32 + pq.CT_LEN:], "duplicate")
    s.err(B, w, "duplicate")
    s.dec(A, s.enc(B, "reply"), "reply")
    s.dec(B, s.enc(A, "after"), "after")
    return s


def v_tampered_ct():
    s = SessionV2("v2-tampered-ciphertext", "A CT with one bit flipped (first, middle and last byte) is well "
                  "formed: Decaps gives another SS (implicit rejection), SK differs, and the first message "
                  "fails authentication; nothing changes, and the genuine message then decrypts.")
    w = s.enc(A, "first")
    start = PQ_OFF[True] + 32
    for byte in (start, start + 784, start + pq.CT_LEN - 1):
        s.err(B, g.flip(w, byte, 3), "authentication")
    s.dec(B, w, "first")
    s.dec(A, s.enc(B, "reply"), "reply")
    return s


def v_bitflip_new():
    s = SessionV2("v2-bitflip-prekeymessage-new", "Bit flips in every prefix field of Alice's first v2 "
                  "PreKeyMessage, before Bob has a session: version (always malformed: no single flip of 0x02 "
                  "is 0x01), type, IK_A, EK_A, SPK_B, flag, OPK_B, PQID_B (unknown_prekey) and CT (every 97th "
                  "byte and the last: authentication). Nothing changes; the original then decrypts.")
    w = s.enc(A, "first")
    fields, _ = prekey_fields_v2(w)
    cats = flip_prefix(s, B, w, fields)
    assert cats["pk.version"] == {"malformed"}, cats["pk.version"]
    assert cats["PQID_B"] == {"unknown_prekey"}, cats["PQID_B"]
    assert cats["CT"] == {"authentication"}, cats["CT"]
    s.dec(B, w, "first")
    s.dec(A, s.enc(B, "reply"), "reply")
    return s


def v_bitflip_routed():
    s = SessionV2("v2-bitflip-prekeymessage-routed", "Bit flips in Alice's second v2 PreKeyMessage after Bob "
                  "made the session and deleted OPK_B and the one-time PQ prekey: rule 1 matches the whole v2 "
                  "prefix, so every flipped prefix field is a new session that fails (unknown_prekey, or "
                  "malformed). The original then decrypts, and its replay is duplicate.")
    s.dec(B, s.enc(A, "first"), "first")
    w = s.enc(A, "second")
    fields, _ = prekey_fields_v2(w)
    cats = flip_prefix(s, B, w, fields, stride_ct=197)
    for field in ("IK_A", "EK_A", "SPK_B", "OPK_B", "PQID_B", "CT"):
        assert cats[field] <= {"unknown_prekey", "malformed"}, (field, cats[field])
    s.dec(B, w, "second")
    s.err(B, w, "duplicate")
    s.dec(A, s.enc(B, "reply"), "reply")
    return s


def v_v1_offered():
    s = SessionV2("v2-v1-message-offered", "A receiver with Parley-v1 disabled: a well-formed v1 PreKeyMessage "
                  "(Alice's first message with PQID_B and CT removed and both version bytes 0x01) and a "
                  "well-formed v1 Message are unsupported_version, state unchanged; a v1 PreKeyMessage cut "
                  "short is malformed; version bytes 0x00 and 0x03 are malformed.", use_opk=False)
    w = s.enc(A, "first")
    off = PQ_OFF[False]
    inner = w[off + 32 + pq.CT_LEN:]
    v1 = b"\x01" + w[1:off] + b"\x01" + inner[1:]
    s.err(B, v1, "unsupported_version")
    s.err(B, v1[:50], "malformed")
    s.err(B, b"\x00" + w[1:], "malformed")
    s.err(B, b"\x03" + w[1:], "malformed")
    s.err(B, w[:off + 32 + pq.CT_LEN] + b"\x01" + inner[1:], "malformed")  # inner version differs
    s.dec(B, w, "first")
    m = s.enc(B, "reply")
    s.err(A, b"\x01" + m[1:], "unsupported_version")
    s.dec(A, m, "reply")
    return s


def v_truncation():
    s = SessionV2("v2-truncation", "Truncated v2 PreKeyMessages (at and inside PQID_B, CT and the inner "
                  "Message) are malformed: at least 1781 bytes without OPK_B.", use_opk=False)
    w = s.enc(A, "")
    assert len(w) == 1781, len(w)
    for n in [0, 1, 2, 98, 99, 100, 130, 131, 132, 900, 1698, 1699, 1700, 1740, 1780]:
        s.err(B, w[:n], "malformed")
    s.dec(B, w, "")
    return s


def v_plaintexts():
    s = SessionV2("v2-plaintexts", "Parley-v2: empty, 1-byte and multilingual UTF-8 plaintexts both ways.")
    texts = [b"", b"\x00", b"!", "Hello, world! 中文：你好，世界。 العربية: مرحبا بالعالم 🎉👩‍💻🇯🇵".encode()]
    for t in texts:
        s.dec(B, s.enc(A, t), t)
    for t in texts:
        s.dec(A, s.enc(B, t), t)
    return s


def v_prekey_out_of_order():
    s = SessionV2("v2-prekey-out-of-order", "Four v2 PreKeyMessages delivered as N=2, 0, 3, 1: the first "
                  "delivered makes the session (consuming the PQ prekey once), the others are routed to it by "
                  "their whole prefix.")
    w = [s.enc(A, f"pk{i}") for i in range(4)]
    for i in (2, 0, 3, 1):
        s.dec(B, w[i], f"pk{i}")
    s.dec(A, s.enc(B, "reply"), "reply")
    s.dec(B, s.enc(A, "plain"), "plain")
    return s


def v_replay():
    s = SessionV2("v2-replay-duplicate", "Parley-v2 replays are duplicate: on the current chain, from the "
                  "skipped store, and on old chains after DH steps.")
    a = [s.enc(A, f"a{i}") for i in range(3)]
    s.dec(B, a[0], "a0")
    s.err(B, a[0], "duplicate")
    s.dec(B, a[2], "a2")
    s.dec(B, a[1], "a1")
    s.err(B, a[1], "duplicate")
    b = s.enc(B, "b0")
    s.dec(A, b, "b0")
    s.err(A, b, "duplicate")
    c0 = s.enc(A, "c0")
    s.dec(B, c0, "c0")
    s.dec(A, s.enc(B, "d0"), "d0")
    s.dec(B, s.enc(A, "e0"), "e0")
    s.err(B, c0, "duplicate")
    s.err(B, a[0], "duplicate")
    return s


def v_max_skip_plus_one():
    s = SessionV2("v2-max-skip-plus-one", "Parley-v2 keeps MAX_SKIP: a first PreKeyMessage with N=1001 is "
                  "too_many_skipped with no state change (the PQ prekey stays); N=1000 is accepted.")
    far = s.forge(A, "N=1001", skip=1001)
    s.err(B, far, "too_many_skipped")
    far_ok = s.forge(A, "N=1000", skip=1000)
    s.dec(B, far_ok, "N=1000")
    s.dec(B, s.enc(A, "a0"), "a0")
    s.dec(A, s.enc(B, "b0"), "b0")
    return s


SESSIONS = [v_pingpong, v_burst_shuffled, v_old_chain, v_one_time_pq, v_last_resort_reuse, v_tampered_ct,
            v_bitflip_new, v_bitflip_routed, v_v1_offered, v_truncation, v_plaintexts, v_prekey_out_of_order,
            v_replay, v_max_skip_plus_one]
