"""The PyPI packages x3dh==1.3.0 and doubleratchet==1.3.0 configured to Parley-v1.

Everything cryptographic in the session state machine (KDF chains, root chain,
DH ratchet, skipped-key bookkeeping, X3DH key agreement) runs in the packages;
this module only plugs in the Parley-v1 primitives and the scripted randomness.
Primitives the packages leave abstract are implemented with PyNaCl (libsodium),
the same library the Swift side uses.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import hashlib
import types
from typing import List, Optional

import nacl.bindings as sodium
import nacl.exceptions
import nacl.signing

import doubleratchet
from doubleratchet import aead as dr_aead
from doubleratchet import diffie_hellman_ratchet as dr_dhr
from doubleratchet.recommended import kdf_hkdf, kdf_separate_hmacs
from doubleratchet.recommended.crypto_provider import HashFunction as DRHash

import x3dh
import x3dh.base_state
from x3dh.crypto_provider import HashFunction as X3Hash
from x3dh.models import BaseStateModel, IdentityKeyPairModel, SignedPreKeyPairModel
from x3dh.types import IdentityKeyFormat, SecretType

import xeddsa

from errors import ParleyError
import wire

MAX_SKIP = 1000
MAX_STORED_SKIPPED = 2000
MAX_PREVIOUS_CHAINS = 20
MAX_ARCHIVED = 40
MAX_NEW_RATCHET_KEY_ATTEMPTS = 2  # sessions a Message with an unknown DHs is tried on (protocol.md §6.4 step 3)
ROOT_INFO = b"Parley-v1 root"
X3DH_INFO = b"Parley-v1 X3DH"
ROOT_INFO_V2 = b"Parley-v2 root"

_loop = asyncio.new_event_loop()


def run(coro):
    """The packages' API is async; drive it on one private event loop."""
    return _loop.run_until_complete(coro)


# --------------------------------------------------------------------------
# Scripted randomness (the "RandomSource")
# --------------------------------------------------------------------------

class ScriptedRandom:
    """Ratchet private keys come from a list (position restorable); nonces are
    handed in per encrypt step. In generator mode (`source` given) the list
    grows on demand with deterministic keys."""

    def __init__(self, ratchet_keys: List[bytes], source=None, nonce_source=None):
        self.ratchet_keys = list(ratchet_keys)
        self.pos = 0
        self.source = source
        self.nonce_source = nonce_source
        self.pending_nonce: Optional[bytes] = None
        self.max_drawn = 0
        self.exhausted = False

    def ratchet_key(self) -> bytes:
        if self.pos >= len(self.ratchet_keys):
            if self.source is None:
                # Replay: the list may legitimately end before a draw made by
                # a decrypt that fails; a filler key is used and the caller
                # reports exhaustion only if the operation succeeds.
                self.exhausted = True
                self.pos += 1
                return hashlib.sha256(b"filler" + bytes([self.pos & 0xFF])).digest()
            self.ratchet_keys.append(self.source())
        key = self.ratchet_keys[self.pos]
        self.pos += 1
        self.max_drawn = max(self.max_drawn, self.pos)
        return key

    def nonce(self) -> bytes:
        if self.pending_nonce is None:
            if self.nonce_source is None:
                raise RuntimeError("no nonce scripted for this encryption")
            self.pending_nonce = self.nonce_source()
        nonce, self.pending_nonce = self.pending_nonce, None
        self.last_nonce = nonce
        return nonce

    def commit(self):
        if self.exhausted:
            raise RuntimeError("ratchet_keys list exhausted")

    def used_keys(self) -> List[bytes]:
        # every key ever drawn, also one drawn only by a decrypt that failed
        # (its position is reused by the next successful draw anyway)
        return self.ratchet_keys[:self.max_drawn]


_current_rng: Optional[ScriptedRandom] = None


@contextlib.contextmanager
def using_rng(rng: ScriptedRandom):
    global _current_rng
    prev, _current_rng = _current_rng, rng
    try:
        yield rng
    finally:
        _current_rng = prev


def current_rng() -> ScriptedRandom:
    assert _current_rng is not None, "random draw outside of a party operation"
    return _current_rng


# --------------------------------------------------------------------------
# Primitives (libsodium through PyNaCl)
# --------------------------------------------------------------------------

def x25519_pub(priv: bytes) -> bytes:
    return sodium.crypto_scalarmult_base(priv)


def x25519(priv: bytes, pub: bytes) -> bytes:
    """X25519 with the suite's rule: an all-zero output is invalid_key."""
    try:
        out = sodium.crypto_scalarmult(priv, pub)
    except nacl.exceptions.RuntimeError:  # libsodium returns -1 on all-zero output
        raise ParleyError("invalid_key", "all-zero X25519 output")
    if out == bytes(32):
        raise ParleyError("invalid_key", "all-zero X25519 output")
    return out


def ed25519_keypair(seed: bytes):
    return sodium.crypto_sign_seed_keypair(seed)  # (pk 32, sk 64)


def ed25519_sign(seed: bytes, msg: bytes) -> bytes:
    return nacl.signing.SigningKey(seed).sign(msg).signature


def ed25519_pk_to_x25519(pk: bytes) -> bytes:
    try:
        return sodium.crypto_sign_ed25519_pk_to_curve25519(pk)
    except Exception:
        raise ParleyError("invalid_key", "IK not convertible to X25519")


def hkdf_sha256(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


# --------------------------------------------------------------------------
# doubleratchet configuration
# --------------------------------------------------------------------------

class RootKDF(kdf_hkdf.KDF):
    """KDF_RK: HKDF-SHA256(salt=rk, ikm=dh, info="Parley-v1 root", L=64);
    the package's KDFChain.step takes rk' = [0,32), ck = [32,64)."""

    @staticmethod
    def _get_hash_function():
        return DRHash.SHA_256

    @staticmethod
    def _get_info():
        return ROOT_INFO


class RootKDF2(RootKDF):
    """KDF_RK of Parley-v2: the same with info "Parley-v2 root"."""

    @staticmethod
    def _get_info():
        return ROOT_INFO_V2


class ChainKDF(kdf_separate_hmacs.KDF):
    """KDF_CK with constant b"\\x02\\x01": output HMAC(ck,02) || HMAC(ck,01);
    KDFChain.step takes ck' = first 32 bytes, mk = last 32 bytes."""

    @staticmethod
    def _get_hash_function():
        return DRHash.SHA_256


CHAIN_CONSTANT = b"\x02\x01"


class XChaChaAEAD(dr_aead.AEAD):
    """ENCRYPT(mk, pt, ad) = nonce || XChaCha20-Poly1305-IETF(mk, nonce, pt, ad)."""

    @staticmethod
    async def encrypt(plaintext: bytes, key: bytes, associated_data: bytes) -> bytes:
        nonce = current_rng().nonce()
        assert len(nonce) == 24
        return nonce + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
            plaintext, associated_data, nonce, key)

    @staticmethod
    async def decrypt(ciphertext: bytes, key: bytes, associated_data: bytes) -> bytes:
        nonce, ct = ciphertext[:24], ciphertext[24:]
        try:
            return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, associated_data, nonce, key)
        except nacl.exceptions.CryptoError:
            raise dr_aead.AuthenticationFailedException("XChaCha20-Poly1305 tag mismatch")


class ParleyDHRatchet(dr_dhr.DiffieHellmanRatchet):
    @staticmethod
    def _generate_priv() -> bytes:
        return current_rng().ratchet_key()

    @staticmethod
    def _derive_pub(priv: bytes) -> bytes:
        return x25519_pub(priv)

    @staticmethod
    def _perform_diffie_hellman(own_priv: bytes, other_pub: bytes) -> bytes:
        return x25519(own_priv, other_pub)


class ParleyDoubleRatchet(doubleratchet.DoubleRatchet):
    @staticmethod
    def _build_associated_data(associated_data: bytes, header) -> bytes:
        # AD_x3dh (64) || HEADER (42); the parser only accepts the canonical
        # fixed-size encoding, so re-encoding equals the received bytes.
        return associated_data + wire.encode_header(
            header.ratchet_pub, header.previous_sending_chain_length, header.sending_chain_length)


class ParleyDoubleRatchet2(doubleratchet.DoubleRatchet):
    """Parley-v2: every header's version byte is 0x02 (and so is the AD's)."""

    @staticmethod
    def _build_associated_data(associated_data: bytes, header) -> bytes:
        return associated_data + wire.encode_header(
            header.ratchet_pub, header.previous_sending_chain_length, header.sending_chain_length, wire.VERSION_2)


DR_CONFIG = dict(
    diffie_hellman_ratchet_class=ParleyDHRatchet,
    root_chain_kdf=RootKDF,
    message_chain_kdf=ChainKDF,
    message_chain_constant=CHAIN_CONSTANT,
    dos_protection_threshold=MAX_SKIP,
    max_num_skipped_message_keys=MAX_STORED_SKIPPED,
    aead=XChaChaAEAD,
)
DR_CONFIG_V2 = dict(DR_CONFIG, root_chain_kdf=RootKDF2)


def ratchet_class(version: int):
    """The package's DoubleRatchet subclass and configuration of a suite."""
    if version == wire.VERSION_2:
        return ParleyDoubleRatchet2, DR_CONFIG_V2
    return ParleyDoubleRatchet, DR_CONFIG


def ratchet_init_alice(sk: bytes, spk_b_pub: bytes, version: int = wire.VERSION) -> doubleratchet.DoubleRatchet:
    """RatchetInitAlice, done eagerly (the package only offers it fused with
    the first encryption): the package's DiffieHellmanRatchet.create with
    own_ratchet_priv=None draws the key and builds the sending chain."""
    cls, config = ratchet_class(version)
    root_kdf = config["root_chain_kdf"]
    dhr = run(ParleyDHRatchet.create(None, spk_b_pub, root_kdf, sk, ChainKDF, CHAIN_CONSTANT, MAX_SKIP))
    model = doubleratchet.models.DoubleRatchetModel(diffie_hellman_ratchet=dhr.model, skipped_message_keys=[])
    return cls.from_model(model, **config)


# --------------------------------------------------------------------------
# x3dh configuration
# --------------------------------------------------------------------------

class ParleyX3DHState(x3dh.BaseState):
    @staticmethod
    def _encode_public_key(key_format, pub: bytes) -> bytes:
        return pub  # raw 32 bytes: AD = IK_A || IK_B, Sig over raw SPK bytes


X3DH_CONFIG = dict(identity_key_format=IdentityKeyFormat.ED_25519, hash_function=X3Hash.SHA_256, info=X3DH_INFO)


def make_x3dh_state(identity_seed: bytes, spk_priv: Optional[bytes] = None,
                    opk_privs=(), spk_sig: Optional[bytes] = None) -> ParleyX3DHState:
    """Builds the package's state from fixed keys (its own generators use
    `secrets` and XEdDSA signatures, see README deviations)."""
    if spk_priv is None:
        spk_priv = bytes(32)  # placeholder; this party never publishes a bundle
    if spk_sig is None:
        spk_sig = ed25519_sign(identity_seed, x25519_pub(spk_priv))
    model = BaseStateModel(
        identity_key=IdentityKeyPairModel(secret=identity_seed, secret_type=SecretType.SEED),
        signed_pre_key=SignedPreKeyPairModel(priv=spk_priv, sig=spk_sig, timestamp=0),
        old_signed_pre_key=None,
        pre_keys=frozenset(opk_privs),
    )
    return ParleyX3DHState.from_model(model, **X3DH_CONFIG)


class _ScriptedSecrets(types.SimpleNamespace):
    pass


def x3dh_initiate(alice_seed: bytes, bundle_ik: bytes, bundle_spk: bytes, bundle_sig: bytes,
                  bundle_opk: Optional[bytes], ephemeral: bytes, draws: Optional[List[int]] = None):
    """Alice's side through the package's get_shared_secret_active, with the
    ephemeral key scripted. Returns (SK, AD, package header). The size of
    every random draw is appended to `draws` (if given)."""
    alice = make_x3dh_state(alice_seed)
    # Signature check: the package verifies with xeddsa.ed25519_verify; the
    # suite says libsodium crypto_sign_verify_detached. Both must agree.
    try:
        nacl.signing.VerifyKey(bundle_ik).verify(bundle_spk, bundle_sig)
        sodium_ok = True
    except Exception:
        sodium_ok = False
    if sodium_ok:
        # §3.2 step 2 before the draw of EK_A: the package draws EK_A first and
        # only then fails on an IK_B that does not convert (deviation 14).
        ed25519_pk_to_x25519(bundle_ik)
    bundle = x3dh.types.Bundle(identity_key=bundle_ik, signed_pre_key=bundle_spk, signed_pre_key_sig=bundle_sig,
                               pre_keys=frozenset() if bundle_opk is None else frozenset([bundle_opk]))
    def token_bytes(n):
        if draws is not None:
            draws.append(n)
        return ephemeral

    scripted = _ScriptedSecrets(token_bytes=token_bytes, choice=lambda seq: seq[0])
    real = x3dh.base_state.secrets
    x3dh.base_state.secrets = scripted
    try:
        sk, ad, header = run(alice.get_shared_secret_active(bundle, require_pre_key=False))
        pkg_ok = True
    except x3dh.KeyAgreementException as e:
        if "signature" not in str(e):
            raise
        pkg_ok = False
    except xeddsa.XEdDSAException as e:
        raise ParleyError("invalid_key", str(e))
    finally:
        x3dh.base_state.secrets = real
    if pkg_ok != sodium_ok:
        raise RuntimeError("xeddsa and libsodium disagree on the SPK signature")
    if not pkg_ok:
        raise ParleyError("bad_signature", "SPK signature does not verify")
    # DH outputs: the suite rejects all-zero outputs (xeddsa.x25519 would raise
    # XEdDSAException inside the package for them as well).
    assert header.ephemeral_key == x25519_pub(ephemeral)
    return sk, ad, header


def x3dh_respond(state: ParleyX3DHState, ik_a: bytes, ek_a: bytes, spk_b: bytes, opk_b: Optional[bytes]):
    """Bob's side, in the decisions' order: SPK held, OPK held (both by the
    package), IK_A convertible, no all-zero DH, then the package's SK."""
    header = x3dh.types.Header(identity_key=ik_a, ephemeral_key=ek_a, signed_pre_key=spk_b, pre_key=opk_b)
    # 1+2: prekey lookups exactly as the package does them (it raises
    # KeyAgreementException before touching IK_A).
    bundle = state.bundle
    if spk_b != bundle.signed_pre_key and spk_b != state.old_signed_pre_key:
        raise ParleyError("unknown_prekey", "SPK not held")
    if opk_b is not None and opk_b not in bundle.pre_keys and opk_b not in state.hidden_pre_keys:
        raise ParleyError("unknown_prekey", "OPK not held")
    # 3: IK_A must convert (libsodium); xeddsa's conversion does not validate.
    x_ik_a = ed25519_pk_to_x25519(ik_a)
    # 4: all-zero DH outputs -> invalid_key (checked with libsodium).
    ik_seed = state.model.identity_key.secret
    ik_x_priv = sodium.crypto_sign_ed25519_sk_to_curve25519(ed25519_keypair(ik_seed)[1])
    spk_priv = state.model.signed_pre_key.priv
    x25519(spk_priv, x_ik_a)
    x25519(ik_x_priv, ek_a)
    x25519(spk_priv, ek_a)
    opk_priv = None
    if opk_b is not None:
        opk_priv = next(p for p in state.model.pre_keys if x25519_pub(p) == opk_b)
        x25519(opk_priv, ek_a)
    try:
        sk, ad, spk_pair = run(state.get_shared_secret_passive(header, require_pre_key=False))
    except x3dh.KeyAgreementException as e:
        raise ParleyError("unknown_prekey", str(e))
    except xeddsa.XEdDSAException as e:
        raise ParleyError("invalid_key", str(e))
    return sk, ad, spk_pair.priv
