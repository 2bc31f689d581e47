"""Builds parties from a vector and runs its steps (shared by replay.py and
generate.py's self-check)."""
from __future__ import annotations

import pq
import suite
from errors import ParleyError
from session import Party, V2PreKeys

FORMAT = "parley-test-vectors/1"
SUITE = "Parley-v1"
SUITE_V2 = "Parley-v2"


class StepFailure(Exception):
    pass


def h(s):
    return None if s is None else bytes.fromhex(s)


def spk_signature(bob_seed: bytes, spk_priv: bytes) -> bytes:
    return suite.ed25519_sign(bob_seed, suite.x25519_pub(spk_priv))


def build_session_parties(vec, alice_rng, bob_rng):
    a_seed = h(vec["alice"]["identity_seed"])
    b = vec["bob"]
    b_seed, spk = h(b["identity_seed"]), h(b["signed_prekey"])
    opks = [h(k) for k in b.get("one_time_prekeys", [])]
    bob = Party("bob", b_seed, bob_rng, suite.make_x3dh_state(b_seed, spk, opks))
    alice = Party("alice", a_seed, alice_rng)
    x = vec["x3dh"]
    opk_pub = h(x.get("one_time_prekey"))
    sk, ad = alice.initiate(bob.ik_pub, suite.x25519_pub(spk), spk_signature(b_seed, spk), opk_pub,
                            h(x["ephemeral"]))
    return alice, bob, sk, ad


def run_x3dh(vec):
    """Raises StepFailure on mismatch."""
    a_seed = h(vec["alice"]["identity_seed"])
    b = vec["bob"]
    b_seed, spk, opk = h(b["identity_seed"]), h(b["signed_prekey"]), h(b.get("one_time_prekey"))
    ephemeral = h(vec["ephemeral"])
    sig = h(vec["signature"]) if vec.get("signature") is not None else spk_signature(b_seed, spk)
    b_ik = h(b["identity_key"]) if b.get("identity_key") is not None else suite.ed25519_keypair(b_seed)[0]
    spk_pub = suite.x25519_pub(spk)
    opk_pub = None if opk is None else suite.x25519_pub(opk)
    expect = vec["expect"]
    draws = []
    try:
        sk, ad, header = suite.x3dh_initiate(a_seed, b_ik, spk_pub, sig, opk_pub, ephemeral, draws)
    except ParleyError as e:
        if "error" in expect and expect["error"] in (e.category, "any"):
            if draws:  # test-vectors.md §2 step 3: the checks come before EK_A is drawn
                raise StepFailure(f"alice: failed with {e.category} after drawing {len(draws)} random value(s)")
            return
        raise StepFailure(f"alice: got error {e.category}, expected {expect}")
    if "error" in expect:
        raise StepFailure(f"alice: expected error {expect['error']}, got success")
    if sk.hex() != expect["shared_secret"]:
        raise StepFailure("alice: shared_secret differs")
    if ad.hex() != expect["associated_data"]:
        raise StepFailure("alice: associated_data differs")
    state = suite.make_x3dh_state(b_seed, spk, [] if opk is None else [opk])
    try:
        sk_b, ad_b, _ = suite.x3dh_respond(state, header.identity_key, header.ephemeral_key, spk_pub, opk_pub)
    except ParleyError as e:
        raise StepFailure(f"bob: unexpected error {e.category}")
    if sk_b != sk or ad_b != ad:
        raise StepFailure("bob: derived a different shared_secret/associated_data")


def checked_encapsulations(entries, keys_by_ek, source=None):
    """Alice's scripted encapsulations; each one is checked when used:
    Decaps(ciphertext) under the receiver's PQ prekey must equal shared_secret."""
    def check(ek, entry):
        key = keys_by_ek.get(ek)
        if key is None:
            raise StepFailure("an encapsulation is made to a PQ prekey the vector does not hold")
        ct, ss = entry
        if len(ct) != pq.CT_LEN or key.decaps(ct) != ss:
            raise StepFailure("kem_encapsulations: Decaps(ciphertext) != shared_secret")
        return entry

    scripted = pq.ScriptedEncapsulations(entries, source)
    real_next = scripted.next
    scripted.next = lambda ek: check(ek, real_next(ek))
    return scripted


def encapsulation_entries(vec):
    return [(h(e["ciphertext"]), h(e["shared_secret"]))
            for e in vec.get("kem_encapsulations", {}).get("alice", [])]


def build_session_parties_v2(vec, alice_rng, bob_rng, encapsulation_source=None):
    """Parley-v2: both parties have v1 disabled. Returns (alice, bob, SK, AD, encapsulations)."""
    a_seed = h(vec["alice"]["identity_seed"])
    b = vec["bob"]
    b_seed, spk = h(b["identity_seed"]), h(b["signed_prekey"])
    opks = [h(k) for k in b.get("one_time_prekeys", [])]
    pq_keys = [pq.KEMKey(h(k["seed"]), k["kind"]) for k in b.get("pq_prekeys", [])]
    bob = Party("bob", b_seed, bob_rng, v2_prekeys=V2PreKeys(spk, opks, pq_keys), accept_v1=False)
    alice = Party("alice", a_seed, alice_rng, accept_v1=False)
    x = vec["x3dh"]
    chosen = [k for k in pq_keys if k.pqid == h(x["pq_prekey"])]
    if not chosen:
        raise StepFailure("x3dh.pq_prekey names no PQ prekey of bob.pq_prekeys")
    encapsulations = checked_encapsulations(
        encapsulation_entries(vec), {k.ek: k for k in pq_keys}, encapsulation_source)
    spk_pub = suite.x25519_pub(spk)
    sk, ad = alice.initiate_v2(bob.ik_pub, spk_pub, pq.spk_v2_signature(b_seed, spk_pub), h(x.get("one_time_prekey")),
                               chosen[0].ek, pq.pq_signature(b_seed, chosen[0].ek), h(x["ephemeral"]), encapsulations)
    return alice, bob, sk, ad, encapsulations


def run_x3dh_v2(vec):
    """kind x3dh of Parley-v2 (PQXDH). Raises StepFailure on mismatch."""
    a_seed = h(vec["alice"]["identity_seed"])
    b = vec["bob"]
    b_seed, spk, opk = h(b["identity_seed"]), h(b["signed_prekey"]), h(b.get("one_time_prekey"))
    pq_key = pq.KEMKey(h(b["pq_prekey_seed"]))
    spk_pub = suite.x25519_pub(spk)
    opk_pub = None if opk is None else suite.x25519_pub(opk)
    sig = h(vec["signature"]) if vec.get("signature") is not None else pq.spk_v2_signature(b_seed, spk_pub)
    pq_sig = h(vec["pq_signature"]) if vec.get("pq_signature") is not None else pq.pq_signature(b_seed, pq_key.ek)
    b_ik = h(b["identity_key"]) if b.get("identity_key") is not None else suite.ed25519_keypair(b_seed)[0]
    e = vec["encapsulation"]
    encapsulations = checked_encapsulations([(h(e["ciphertext"]), h(e["shared_secret"]))], {pq_key.ek: pq_key})
    expect = vec["expect"]
    draws = []

    def ephemeral():
        draws.append("EK_A")
        return h(vec["ephemeral"])

    def encapsulate(ek):
        draws.append("Encaps")
        return encapsulations.next(ek)

    try:
        sk, ad, ek_pub, pqid, ct = pq.initiate(a_seed, b_ik, spk_pub, sig, opk_pub, pq_key.ek, pq_sig,
                                               ephemeral, encapsulate)
    except ParleyError as err:
        if "error" in expect and expect["error"] in (err.category, "any"):
            if err.category in ("bad_signature",) and draws:
                raise StepFailure(f"alice: failed with {err.category} after {draws}")
            return
        raise StepFailure(f"alice: got error {err.category}, expected {expect}")
    if "error" in expect:
        raise StepFailure(f"alice: expected error {expect['error']}, got success")
    if sk.hex() != expect["shared_secret"] or ad.hex() != expect["associated_data"]:
        raise StepFailure("alice: shared_secret or associated_data differs")
    try:
        sk_b, ad_b = pq.respond(b_seed, spk, opk, pq_key, suite.ed25519_keypair(a_seed)[0], ek_pub, ct)
    except ParleyError as err:
        raise StepFailure(f"bob: unexpected error {err.category}")
    if sk_b != sk or ad_b != ad:
        raise StepFailure("bob: derived a different shared_secret/associated_data")


def run_session(vec, alice_rng=None, bob_rng=None, on_step=None):
    """Replays a session vector. Raises StepFailure("step K: ...")."""
    rk = vec.get("ratchet_keys", {})
    alice_rng = alice_rng or suite.ScriptedRandom([h(k) for k in rk.get("alice", [])])
    bob_rng = bob_rng or suite.ScriptedRandom([h(k) for k in rk.get("bob", [])])
    try:
        if vec.get("suite") == SUITE_V2:
            alice, bob, sk, ad, _ = build_session_parties_v2(vec, alice_rng, bob_rng)
        else:
            alice, bob, sk, ad = build_session_parties(vec, alice_rng, bob_rng)
    except ParleyError as e:
        raise StepFailure(f"set-up: unexpected error {e.category}")
    x = vec["x3dh"]
    if x.get("shared_secret") is not None and sk.hex() != x["shared_secret"]:
        raise StepFailure("set-up: x3dh.shared_secret differs")
    if x.get("associated_data") is not None and ad.hex() != x["associated_data"]:
        raise StepFailure("set-up: x3dh.associated_data differs")
    parties = {"alice": (alice, bob.ik_pub), "bob": (bob, alice.ik_pub)}
    for k, step in enumerate(vec["steps"]):
        try:
            party, peer = parties[step["party"]]
            if step["op"] == "encrypt":
                out = party.encrypt(peer, h(step["plaintext"]), h(step["nonce"]))
                if out.hex() != step["wire"]:
                    raise StepFailure("encrypt output differs from wire")
            elif step["op"] == "decrypt":
                data = h(step["wire"])
                if "error" in step:
                    before = party.snapshot()
                    try:
                        pt = party.decrypt(peer, data)
                    except ParleyError as e:
                        if step["error"] not in (e.category, "any"):
                            raise StepFailure(f"expected error {step['error']}, got {e.category} ({e.detail})")
                        if party.snapshot() != before:
                            raise StepFailure("state changed by a failed decrypt")
                    else:
                        raise StepFailure(f"expected error {step['error']}, decrypt succeeded")
                else:
                    try:
                        pt = party.decrypt(peer, data)
                    except ParleyError as e:
                        raise StepFailure(f"unexpected error {e.category} ({e.detail})")
                    if pt.hex() != step["plaintext"]:
                        raise StepFailure("plaintext differs")
            else:
                raise StepFailure(f"unknown op {step['op']!r}")
        except StepFailure as e:
            raise StepFailure(f"step {k}: {e}")
        except Exception as e:  # a crash is a failure of the step
            raise StepFailure(f"step {k}: {type(e).__name__}: {e}")
    return alice, bob


def run_vector(vec):
    if vec.get("format") != FORMAT:
        raise StepFailure(f"unknown format {vec.get('format')!r}")
    if vec.get("suite") not in (SUITE, SUITE_V2):
        raise StepFailure(f"unknown suite {vec.get('suite')!r}")
    if vec["kind"] == "x3dh":
        run_x3dh_v2(vec) if vec["suite"] == SUITE_V2 else run_x3dh(vec)
    elif vec["kind"] == "session":
        run_session(vec)
    else:
        raise StepFailure(f"unknown kind {vec['kind']!r}")
