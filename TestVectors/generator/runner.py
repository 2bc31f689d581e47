"""Builds parties from a vector and runs its steps (shared by replay.py and
generate.py's self-check)."""
from __future__ import annotations

import suite
from errors import ParleyError
from session import Party

FORMAT = "parley-test-vectors/1"
SUITE = "Parley-v1"


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


def run_session(vec, alice_rng=None, bob_rng=None, on_step=None):
    """Replays a session vector. Raises StepFailure("step K: ...")."""
    rk = vec.get("ratchet_keys", {})
    alice_rng = alice_rng or suite.ScriptedRandom([h(k) for k in rk.get("alice", [])])
    bob_rng = bob_rng or suite.ScriptedRandom([h(k) for k in rk.get("bob", [])])
    try:
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
    if vec.get("suite") != SUITE:
        raise StepFailure(f"unknown suite {vec.get('suite')!r}")
    if vec["kind"] == "x3dh":
        run_x3dh(vec)
    elif vec["kind"] == "session":
        run_session(vec)
    else:
        raise StepFailure(f"unknown kind {vec['kind']!r}")
