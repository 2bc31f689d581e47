"""Parley parties and sessions (v1 and v2) on top of the configured packages.

Own code here (see README): the decisions' RatchetDecrypt pre-checks where the
doubleratchet package deviates (duplicate on previous chains, the PN bound),
PreKeyMessage routing, archived sessions, OPK deletion, error categories,
atomicity of the scripted random list and the state snapshots.
"""
from __future__ import annotations

import copy
from typing import Dict, List, Optional

import doubleratchet
from doubleratchet.types import EncryptedMessage, Header

import pq
import suite
import wire
from errors import ParleyError
from suite import run


class Session:
    def __init__(self, dr, ad: bytes, peer_ik: bytes, origin=None, prekey_prefix: Optional[bytes] = None,
                 version: int = wire.VERSION):
        self.version = version
        self.dr = dr
        self.ad = ad
        self.peer_ik = peer_ik
        self.origin = origin  # (IK_A, EK_A, SPK_B, OPK_B) for sessions made as responder
        self.prekey_prefix = prekey_prefix  # initiator: wrap until first decrypt
        self.prev_chains: List[bytes] = []  # DHr of previous receiving chains, newest last

    def snapshot(self):
        return {
            "ratchet": self.dr.json,
            "ad": self.ad.hex(),
            "origin": None if self.origin is None else [
                None if k is None else (k if isinstance(k, int) else k.hex()) for k in self.origin],
            "prekey_prefix": None if self.prekey_prefix is None else self.prekey_prefix.hex(),
            "prev_chains": [k.hex() for k in self.prev_chains],
        }

    def knows(self, dhs: bytes, n: int) -> bool:
        """DHs names a receiving chain this session knows (current or remembered), or (DHs, N)
        a skipped key it holds: the message can belong to no other session."""
        dhr = self.dr.model.diffie_hellman_ratchet.other_ratchet_pub
        skipped = {(k.ratchet_pub, k.index) for k in self.dr.model.skipped_message_keys}
        return dhs == dhr or dhs in self.prev_chains or (dhs, n) in skipped

    def can_receive_new_ratchet_key(self) -> bool:
        """The peer makes a new ratchet key only after seeing our current one, which it sees
        only in a message we sent with it (Ns > 0)."""
        return (self.dr.sending_chain_length or 0) > 0

    # -- RatchetDecrypt in the decisions' order --------------------------------
    def ratchet_decrypt(self, msg: wire.Message) -> bytes:
        if msg.version != self.version:
            # not sent by this session (the version byte is in the AD anyway)
            raise ParleyError("authentication", "Message of another suite")
        model = self.dr.model.diffie_hellman_ratchet
        dhr = model.other_ratchet_pub
        nr = self.dr.receiving_chain_length  # None: no receiving chain yet
        skipped = {(k.ratchet_pub, k.index) for k in self.dr.model.skipped_message_keys}
        key = (msg.dhs, msg.n)
        if key not in skipped:  # step 1 is done by the package itself
            if nr is not None and msg.dhs == dhr and msg.n < nr:
                raise ParleyError("duplicate", "N < Nr on the current receiving chain")  # step 2
            if msg.dhs in self.prev_chains:
                raise ParleyError("duplicate", "DHs of a previous receiving chain")  # step 3
            if msg.dhs != dhr:
                # step 4a; the package skips this check without a receiving
                # chain and only warns (no error) when it has one.
                if (nr or 0) + suite.MAX_SKIP < msg.pn:
                    raise ParleyError("too_many_skipped", "PN beyond MAX_SKIP")
            elif nr is None:
                # DHs == DHr but no receiving chain (the initiator before her
                # first reply, DHs == SPK_B): the package would trip an
                # assertion. Step 5 bound, then step 6 cannot open.
                if suite.MAX_SKIP < msg.n:
                    raise ParleyError("too_many_skipped", "N beyond MAX_SKIP")
                raise ParleyError("authentication", "no receiving chain for DHs")
        header = Header(ratchet_pub=msg.dhs, previous_sending_chain_length=msg.pn, sending_chain_length=msg.n)
        em = EncryptedMessage(header=header, ciphertext=msg.nonce_and_ciphertext)
        try:
            plaintext = run(self.dr.decrypt_message(em, self.ad))
        except (doubleratchet.AuthenticationFailedException, doubleratchet.DecryptionFailedException) as e:
            raise ParleyError("authentication", str(e))
        except doubleratchet.DoSProtectionException as e:
            raise ParleyError("too_many_skipped", str(e))
        except doubleratchet.DuplicateMessageException as e:
            raise ParleyError("duplicate", str(e))
        # success: the package committed; remember the replaced chain
        if key not in skipped and msg.dhs != dhr and nr is not None:
            self.prev_chains = (self.prev_chains + [dhr])[-suite.MAX_PREVIOUS_CHAINS:]
        self.prekey_prefix = None
        return plaintext

    def encrypt(self, plaintext: bytes) -> bytes:
        em = run(self.dr.encrypt_message(plaintext, self.ad))
        h = em.header
        out = wire.encode_header(
            h.ratchet_pub, h.previous_sending_chain_length, h.sending_chain_length, self.version) + em.ciphertext
        return (self.prekey_prefix or b"") + out


class V2PreKeys:
    """A Parley-v2 responder's prekeys (own code: the x3dh package has no KEM):
    SPK_B, OPK_Bs, PQ prekeys by PQID, and the recorded (last-resort PQID,
    EK_A) pairs."""

    def __init__(self, spk_priv: bytes, opk_privs, pq_keys):
        self.spk_priv = spk_priv
        self.spk_pub = suite.x25519_pub(spk_priv)
        self.opks = {suite.x25519_pub(k): k for k in opk_privs}
        self.pq = {k.pqid: k for k in pq_keys}
        self.last_resort_uses = set()

    def snapshot(self):
        return [self.spk_pub.hex(), sorted(k.hex() for k in self.opks),
                sorted((k.hex(), v.kind) for k, v in self.pq.items()),
                sorted((a.hex(), b.hex()) for a, b in self.last_resort_uses)]


class Party:
    def __init__(self, name: str, identity_seed: bytes, rng: suite.ScriptedRandom, x3dh_state=None,
                 v2_prekeys: Optional[V2PreKeys] = None, accept_v1: bool = True):
        self.name = name
        self.v2 = v2_prekeys
        self.accept_v1 = accept_v1
        self.identity_seed = identity_seed
        self.ik_pub = suite.ed25519_keypair(identity_seed)[0]
        self.rng = rng
        self.x3dh = x3dh_state  # responder prekeys (package BaseState) or None
        self.current: Dict[bytes, Session] = {}
        self.archived: Dict[bytes, List[Session]] = {}  # newest last

    # -- set-up -----------------------------------------------------------------
    def initiate(self, bundle_ik, bundle_spk, bundle_sig, bundle_opk, ephemeral):
        with suite.using_rng(self.rng):
            sk, ad, header = suite.x3dh_initiate(self.identity_seed, bundle_ik, bundle_spk, bundle_sig,
                                                 bundle_opk, ephemeral)
            dr = suite.ratchet_init_alice(sk, bundle_spk)
            self.rng.commit()
        prefix = wire.encode_prekey_prefix(self.ik_pub, header.ephemeral_key, bundle_spk, bundle_opk)
        self._install(Session(dr, ad, bundle_ik, prekey_prefix=prefix))
        return sk, ad

    def initiate_v2(self, bundle_ik, bundle_spk, spk_sig, bundle_opk, pq_pub, pq_sig, ephemeral, encapsulations):
        """PQXDH as Alice (pq.initiate), then RatchetInitAlice with the v2 KDF_RK."""
        with suite.using_rng(self.rng):
            sk, ad, ek_pub, pqid, ct = pq.initiate(self.identity_seed, bundle_ik, bundle_spk, spk_sig, bundle_opk,
                                                   pq_pub, pq_sig, lambda: ephemeral, encapsulations.next)
            dr = suite.ratchet_init_alice(sk, bundle_spk, wire.VERSION_2)
            self.rng.commit()
        prefix = wire.encode_prekey_prefix(self.ik_pub, ek_pub, bundle_spk, bundle_opk, wire.VERSION_2, pqid, ct)
        self._install(Session(dr, ad, bundle_ik, prekey_prefix=prefix, version=wire.VERSION_2))
        return sk, ad

    def _install(self, s: Session):
        old = self.current.get(s.peer_ik)
        if old is not None:
            self.archived[s.peer_ik] = (self.archived.get(s.peer_ik, []) + [old])[-suite.MAX_ARCHIVED:]
        self.current[s.peer_ik] = s

    def snapshot(self):
        snap = {
            "current": {k.hex(): s.snapshot() for k, s in sorted(self.current.items())},
            "archived": {k.hex(): [s.snapshot() for s in v] for k, v in sorted(self.archived.items())},
        }
        if self.x3dh is not None:
            b = self.x3dh.bundle
            snap["prekeys"] = [b.signed_pre_key.hex(), sorted(k.hex() for k in b.pre_keys)]
        if self.v2 is not None:
            snap["v2_prekeys"] = self.v2.snapshot()
        return snap

    # -- operations ---------------------------------------------------------------
    def encrypt(self, peer_ik: bytes, plaintext: bytes, nonce: Optional[bytes]) -> bytes:
        s = self.current.get(peer_ik)
        if s is None:
            raise RuntimeError(f"{self.name} has no session to encrypt with")
        self.rng.pending_nonce = nonce
        with suite.using_rng(self.rng):
            out = s.encrypt(plaintext)
        self.rng.commit()
        return out

    def decrypt(self, peer_ik: bytes, data: bytes) -> bytes:
        pos = self.rng.pos
        try:
            with suite.using_rng(self.rng):
                pt = self._receive(peer_ik, data)
        except ParleyError:
            self.rng.pos = pos  # a failed decrypt consumes no scripted key
            self.rng.exhausted = False
            raise
        self.rng.commit()
        return pt

    def _all_sessions(self):
        for peer, s in self.current.items():
            yield s
            yield from reversed(self.archived.get(peer, []))

    def _receive(self, peer_ik: bytes, data: bytes) -> bytes:
        parsed = wire.parse(data, self.accept_v1)
        if isinstance(parsed, wire.PreKeyMessage):
            origin = parsed.origin
            for s in self._all_sessions():
                if s.origin == origin:  # only sessions made as responder have an origin
                    pt = s.ratchet_decrypt(parsed.message)  # routing rule (1)
                    self._promote(s)
                    return pt
            if parsed.version == wire.VERSION_2:
                return self._new_session_v2(parsed)  # routing rule (2), Parley-v2
            return self._new_session(parsed)  # routing rule (2)
        cur = self.current.get(peer_ik)
        if cur is None:
            raise ParleyError("authentication", "no session with this peer")
        # routing (protocol.md §6.4 step 3): the one session that knows DHs, else at most
        # MAX_NEW_RATCHET_KEY_ATTEMPTS sessions that can receive a new ratchet key
        sessions = [cur] + list(reversed(self.archived.get(peer_ik, [])))

        def admits(s):
            # PN = 0: the sender's first chain, which an initiator sends only inside
            # PreKeyMessages; so not a session made as responder (s.origin set)
            return parsed.pn != 0 or s.origin is None

        owner = next((s for s in sessions if s.knows(parsed.dhs, parsed.n)), None)
        if owner is not None:
            candidates = [owner] if admits(owner) else []
        else:
            candidates = [s for s in sessions if admits(s) and s.can_receive_new_ratchet_key()][
                : suite.MAX_NEW_RATCHET_KEY_ATTEMPTS]
        if not candidates:
            raise ParleyError("authentication", "no session can receive this ratchet key")
        errors = []
        for s in candidates:
            pos = self.rng.pos
            try:
                pt = s.ratchet_decrypt(parsed)
            except ParleyError as e:
                # the message is authenticated before the ratchet draws: a failed attempt draws nothing
                self.rng.pos = pos
                self.rng.exhausted = False
                errors.append(e)
                continue
            self._promote(s)
            return pt
        raise errors[0]

    def _promote(self, s: Session):
        """An archived session that decrypted becomes current; the current one
        becomes the newest archived (the archive does not grow)."""
        peer = s.peer_ik
        if self.current.get(peer) is s:
            return
        rest = [a for a in self.archived.get(peer, []) if a is not s]
        self.archived[peer] = rest + [self.current[peer]]
        self.current[peer] = s

    def _new_session(self, p: wire.PreKeyMessage) -> bytes:
        if self.x3dh is None:
            raise ParleyError("unknown_prekey", "this party holds no prekeys")
        sk, ad, spk_priv = suite.x3dh_respond(self.x3dh, p.ik_a, p.ek_a, p.spk_b, p.opk_b)
        m = p.message
        # RatchetInitBob + RatchetDecrypt; step 4a (PN bound with Nr = 0) is
        # not checked by the package's decrypt_initial_message.
        if suite.MAX_SKIP < m.pn:
            raise ParleyError("too_many_skipped", "PN beyond MAX_SKIP on a new session")
        header = Header(ratchet_pub=m.dhs, previous_sending_chain_length=m.pn, sending_chain_length=m.n)
        em = EncryptedMessage(header=header, ciphertext=m.nonce_and_ciphertext)
        try:
            dr, pt = run(suite.ParleyDoubleRatchet.decrypt_initial_message(
                shared_secret=sk, own_ratchet_priv=spk_priv, message=em, associated_data=ad, **suite.DR_CONFIG))
        except (doubleratchet.AuthenticationFailedException, doubleratchet.DecryptionFailedException) as e:
            raise ParleyError("authentication", str(e))
        except doubleratchet.DoSProtectionException as e:
            raise ParleyError("too_many_skipped", str(e))
        self._install(Session(dr, ad, p.ik_a, origin=(p.ik_a, p.ek_a, p.spk_b, p.opk_b)))
        if p.opk_b is not None:
            self.x3dh.delete_pre_key(p.opk_b)
        return pt

    def _new_session_v2(self, p: wire.PreKeyMessage) -> bytes:
        """Rule 2 of Parley-v2 in the suite's order: SPK_B, OPK_B, PQID_B held
        (unknown_prekey), a recorded last-resort (PQID_B, EK_A) (duplicate),
        x(IK_A) and the DHs (invalid_key), Decaps, then RatchetInitBob +
        RatchetDecrypt; the commit (OPK and one-time PQ deletion, last-resort
        record) only after the first message decrypted."""
        v2 = self.v2
        if v2 is None or p.spk_b != v2.spk_pub:
            raise ParleyError("unknown_prekey", "SPK not held")
        if p.opk_b is not None and p.opk_b not in v2.opks:
            raise ParleyError("unknown_prekey", "OPK not held")
        pq_key = v2.pq.get(p.pqid_b)
        if pq_key is None:
            raise ParleyError("unknown_prekey", "PQ prekey not held")
        if pq_key.kind == "last_resort" and (p.pqid_b, p.ek_a) in v2.last_resort_uses:
            raise ParleyError("duplicate", "last-resort PQ prekey already used with this EK_A")
        opk_priv = None if p.opk_b is None else v2.opks[p.opk_b]
        sk, ad = pq.respond(self.identity_seed, v2.spk_priv, opk_priv, pq_key, p.ik_a, p.ek_a, p.ct)
        m = p.message
        if suite.MAX_SKIP < m.pn:
            raise ParleyError("too_many_skipped", "PN beyond MAX_SKIP on a new session")
        header = Header(ratchet_pub=m.dhs, previous_sending_chain_length=m.pn, sending_chain_length=m.n)
        em = EncryptedMessage(header=header, ciphertext=m.nonce_and_ciphertext)
        cls, config = suite.ratchet_class(wire.VERSION_2)
        try:
            dr, pt = run(cls.decrypt_initial_message(
                shared_secret=sk, own_ratchet_priv=v2.spk_priv, message=em, associated_data=ad, **config))
        except (doubleratchet.AuthenticationFailedException, doubleratchet.DecryptionFailedException) as e:
            raise ParleyError("authentication", str(e))
        except doubleratchet.DoSProtectionException as e:
            raise ParleyError("too_many_skipped", str(e))
        self._install(Session(dr, ad, p.ik_a, origin=p.origin, version=wire.VERSION_2))
        if p.opk_b is not None:
            del v2.opks[p.opk_b]
        if pq_key.kind == "one_time":
            del v2.pq[p.pqid_b]
        else:
            v2.last_resort_uses.add((p.pqid_b, p.ek_a))
        return pt
