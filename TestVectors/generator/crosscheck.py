"""A from-the-suite-text recomputation (PyNaCl + hmac only, no packages) of
the X3DH result and of the first messages of a session vector. generate.py
runs it to show that the package configuration equals the written suite."""
import hashlib
import hmac

import nacl.bindings as s


def hkdf(salt, ikm, info, n):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:n]


def kdf_rk(rk, dh):
    o = hkdf(rk, dh, b"Parley-v1 root", 64)
    return o[:32], o[32:]


def kdf_ck(ck):
    return hmac.new(ck, b"\x02", hashlib.sha256).digest(), hmac.new(ck, b"\x01", hashlib.sha256).digest()


def check_session(vec):
    """Checks x3dh fields and the first two encrypt steps of Alice (same chain)
    and Bob's first encrypt step, assuming Alice encrypts twice before Bob's
    first encrypt and Bob's first decrypt is of Alice's N=0... (any order)."""
    H = bytes.fromhex
    a_pk, a_sk = s.crypto_sign_seed_keypair(H(vec["alice"]["identity_seed"]))
    b_pk, b_sk = s.crypto_sign_seed_keypair(H(vec["bob"]["identity_seed"]))
    spk = H(vec["bob"]["signed_prekey"])
    spk_pub = s.crypto_scalarmult_base(spk)
    ek = H(vec["x3dh"]["ephemeral"])
    opk_pub = vec["x3dh"]["one_time_prekey"]
    dh = (s.crypto_scalarmult(s.crypto_sign_ed25519_sk_to_curve25519(a_sk), spk_pub)
          + s.crypto_scalarmult(ek, s.crypto_sign_ed25519_pk_to_curve25519(b_pk))
          + s.crypto_scalarmult(ek, spk_pub))
    if opk_pub:
        dh += s.crypto_scalarmult(ek, H(opk_pub))
    sk = hkdf(bytes(32), b"\xff" * 32 + dh, b"Parley-v1 X3DH", 32)
    ad = a_pk + b_pk
    assert sk.hex() == vec["x3dh"]["shared_secret"], "SK"
    assert ad.hex() == vec["x3dh"]["associated_data"], "AD"
    # RatchetInitAlice
    ra = H(vec["ratchet_keys"]["alice"][0])
    rk, cks = kdf_rk(sk, s.crypto_scalarmult(ra, spk_pub))
    prefix = b"\x01\x02" + a_pk + s.crypto_scalarmult_base(ek) + spk_pub
    prefix += (b"\x01" + H(opk_pub)) if opk_pub else b"\x00"
    steps = vec["steps"]
    a_enc = [st for st in steps if st["op"] == "encrypt" and st["party"] == "alice"]
    b_enc = [st for st in steps if st["op"] == "encrypt" and st["party"] == "bob"]
    checked = 0
    first_b = steps.index(b_enc[0]) if b_enc else len(steps)
    for n, st in enumerate(a_enc):
        if steps.index(st) > first_b:
            break
        cks, mk = kdf_ck(cks)
        header = b"\x01\x01" + s.crypto_scalarmult_base(ra) + (0).to_bytes(4, "big") + n.to_bytes(4, "big")
        nonce = H(st["nonce"])
        ct = s.crypto_aead_xchacha20poly1305_ietf_encrypt(H(st["plaintext"]), ad + header, nonce, mk)
        assert (prefix + header + nonce + ct).hex() == st["wire"], f"alice message {n}"
        checked += 1
    if b_enc:
        # Bob: RatchetInitBob(SK, SPK) then DHRatchet on Alice's key
        rb = H(vec["ratchet_keys"]["bob"][0])
        rk_b, _ckr = kdf_rk(sk, s.crypto_scalarmult(spk, s.crypto_scalarmult_base(ra)))
        rk_b, cks_b = kdf_rk(rk_b, s.crypto_scalarmult(rb, s.crypto_scalarmult_base(ra)))
        st = b_enc[0]
        _, mk = kdf_ck(cks_b)
        header = b"\x01\x01" + s.crypto_scalarmult_base(rb) + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
        nonce = H(st["nonce"])
        ct = s.crypto_aead_xchacha20poly1305_ietf_encrypt(H(st["plaintext"]), ad + header, nonce, mk)
        assert (header + nonce + ct).hex() == st["wire"], "bob message 0"
        checked += 1
    return checked
