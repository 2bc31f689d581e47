"""Schema-driven fuzzing of parley-server against Specs/openapi.yaml.

Every operation of the OpenAPI file is called with generated and malformed inputs, both unsigned
and signed by a registered device (so that authenticated routes parse their bodies too). The only
check: no response is a 5xx. The server runs on 127.0.0.1 (started by run.sh); the number of
examples per operation is bounded.
"""
import base64
import hashlib
import os
import struct
import time

import nacl.signing
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

BASE_URL = os.environ["PARLEY_URL"]
SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "Specs", "openapi.yaml")
EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "40"))

schema = schemathesis.openapi.from_path(SPEC)


def certificate(account: nacl.signing.SigningKey, user: str, device: int, identity: bytes) -> bytes:
    message = b"parley-device-v1" + bytes([len(user)]) + user.encode() + struct.pack(">I", device) + identity
    return account.sign(message).signature


class SigningAuth(requests.auth.AuthBase):
    """Signs the prepared request (exact body bytes and path) as the Parley spec requires."""

    def __init__(self, user: str, device: int, key: nacl.signing.SigningKey):
        self.user, self.device, self.key = user, device, key
        self.last = 0

    def __call__(self, request):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        # Strictly increasing timestamps: identical requests in one millisecond would be replays.
        self.last = max(int(time.time() * 1000), self.last + 1)
        text = "parley-auth-v1\n%s\n%s\n%d\n%s" % (
            request.method, request.path_url, self.last, hashlib.sha256(body).hexdigest())
        request.headers["Parley-Device"] = "%s/%d" % (self.user, self.device)
        request.headers["Parley-Timestamp"] = str(self.last)
        request.headers["Parley-Signature"] = base64.b64encode(self.key.sign(text.encode()).signature).decode()
        return request


def register(user: str) -> SigningAuth:
    account = nacl.signing.SigningKey.generate()
    device = nacl.signing.SigningKey.generate()
    identity = bytes(device.verify_key)
    body = {
        "user": user,
        "account_key": base64.b64encode(bytes(account.verify_key)).decode(),
        "device": {
            "id": 1,
            "identity_key": base64.b64encode(identity).decode(),
            "certificate": base64.b64encode(certificate(account, user, 1, identity)).decode(),
        },
    }
    auth = SigningAuth(user, 1, device)
    response = requests.post(BASE_URL + "/v1/accounts", json=body, auth=auth, timeout=10)
    assert response.status_code == 201, (response.status_code, response.text)
    return auth


AUTH = register("fuzzer")
SIGNED_STATUSES = []


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_unsigned_requests_never_cause_a_server_error(case):
    response = case.call(base_url=BASE_URL, timeout=10)
    case.validate_response(response, checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_signed_requests_never_cause_a_server_error(case):
    response = case.call(base_url=BASE_URL, auth=AUTH, timeout=10)
    SIGNED_STATUSES.append(response.status_code)
    case.validate_response(response, checks=[not_a_server_error])


def test_signed_requests_got_past_authentication():
    # Runs last (pytest keeps file order): proves the signing above works, so the signed run
    # really exercised body parsing and not only the 401 path.
    accepted = [status for status in SIGNED_STATUSES if status != 401]
    assert SIGNED_STATUSES and len(accepted) >= len(SIGNED_STATUSES) // 4, (len(accepted), len(SIGNED_STATUSES))
