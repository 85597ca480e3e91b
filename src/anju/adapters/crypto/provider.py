"""The software crypto provider: SM3, HMAC-SM3, SM4-GCM, PBKDF2-HMAC-SM3 and SM2 behind one interface.

`cryptography` (OpenSSL) does SM3, HMAC-SM3, SM4 and PBKDF2; `gmssl` does SM2, which OpenSSL's
Python binding does not expose. A hardware module (密码机) can later implement the same
`anju.services.ports.CryptoProvider` protocol (DESIGN.md §9, reliability.md H).

Keys. One 32-byte master key (ANJU_MASTER_KEY or the key file written by `anju init`) is the root;
every working key is derived from it with HKDF-SM3 and a label, so a key is never used for two
purposes:
  - SM4 data keys, one per key version (the version byte leads every ciphertext, so new writes
    can move to a new version while old rows still decrypt — K6);
  - HMAC-SM3 keys, one per purpose ("audit_chain", "blind_index:resident_id", "session", ...).

gmssl is pure Python and has sharp edges we step around here: its own random nonce uses the
non-cryptographic `random` module (we always pass a `secrets` nonce), it mangles public keys that
start with "04" (`lstrip`), and it does not range-check signatures (we do).
"""

from __future__ import annotations

import hmac as std_hmac
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

from anju.errors import Conflict, InvariantViolation
from anju.settings import Settings

MASTER_KEY_BYTES: Final = 32
SM4_KEY_BYTES: Final = 16
GCM_NONCE_BYTES: Final = 12
GCM_TAG_BYTES: Final = 16
PASSWORD_SALT_BYTES: Final = 16
PASSWORD_HASH_BYTES: Final = 32
PASSWORD_SCHEME: Final = "pbkdf2-sm3"  # noqa: S105 - a scheme name, not a password
MIN_PASSWORD_ITERATIONS: Final = 1_000
MAX_PASSWORD_ITERATIONS: Final = 10_000_000  # a stored hash cannot make us spin for minutes
SM2_DEFAULT_USER_ID: Final = b"1234567812345678"  # GB/T 35276 default signer identity

# --- known-answer vectors (K1). Module constants so a test can corrupt one and watch start-up fail.
SM3_ABC_DIGEST = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 A.1
SM3_ABCD16_DIGEST = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"  # GB/T 32905 A.2
SM4_ECB_KEY_PLAIN = "0123456789abcdeffedcba9876543210"  # GB/T 32907 A.1: key = plaintext
SM4_ECB_CIPHER = "681edf34d206965e86b3e94f536e4246"
# RFC 8998 A.1 (SM4-GCM)
SM4_GCM_KEY = "0123456789abcdeffedcba9876543210"
SM4_GCM_IV = "00001234567800000000abcd"
SM4_GCM_AAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
SM4_GCM_PLAIN = (
    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
    "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa"
)
SM4_GCM_CIPHER = (
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
    "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
)
SM4_GCM_TAG = "83de3541e4c2b58177e065a9bf7b62ec"
# HMAC-SM3: no published vector; these were computed with `cryptography` and confirmed with an
# independent HMAC built over gmssl's SM3 (the self-test repeats that cross-check at start-up).
HMAC_SM3_VECTORS: tuple[tuple[bytes, bytes, str], ...] = (
    (
        b"Anju HMAC-SM3 known-answer key",
        b"Anju HMAC-SM3 known-answer test",
        "952d4a2079e3d9fe25645aaef1f5cb954d41da8631aac714743bef53a688fe35",
    ),
    (  # a key longer than the 64-byte block is hashed first
        bytes(range(100)),
        b"abc" * 30,
        "e235eb7cfff65cb4ab1de6bd6b6ecac0baf2c7ed49e4b007a912af044a3c219e",
    ),
)
# PBKDF2-HMAC-SM3, password "password", salt "saltSALTsaltSALT", 3 iterations, 32 bytes; confirmed
# with a PBKDF2 written over gmssl's SM3.
PBKDF2_SM3_VECTOR = "e46f2c9362cd2f4caaa45957a7a504bbc849439e8f91f2700c786194cd785a04"
# GB/T 32918.2-2016 Annex A: signature over "message digest" by ALICE123@YAHOO.COM on the Fp-256
# test curve, with the fixed k of the example.
GBT32918_CURVE: Final[dict[str, str]] = {
    "p": "8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3",
    "a": "787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498",
    "b": "63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249a",
    "g": "421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43d"
    "0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2",
    "n": "8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7",
}
GBT32918_PRIVATE = "128b2fa8bd433c6c068c8d803dff79792a519a55171b1b650c23661d15897263"
GBT32918_PUBLIC = (
    "0ae4c7798aa0f119471bee11825be46202bb79e2a5844495e97c04ff4df2548a"
    "7c0240f88f1cd4e16352a73c17b7f16f07353e53a176d684a9fe0c6bb798e857"
)
GBT32918_USER_ID = b"ALICE123@YAHOO.COM"
GBT32918_MESSAGE = b"message digest"
GBT32918_ZA = "f4a38489e32b45b6f876e3ac2168ca392362dc8f23459c1d1146fc3dbfb7bc9a"
GBT32918_K = "6cb28d99385c175c94f94e934817663fc176d925dd72b727260dbaae1fb2f96f"
GBT32918_SIGNATURE = (
    "40f1ec59f793d9f49e09dcef49130d4194f79fb1eed2caa55bacdb49c4e755d1"
    "6fc6dac32c5d5cf10c77dfb20f7c2eb667a457872fb09ec56327a67ec7deebe7"
)
# A signature on the recommended SM2 curve, made once with gmssl and stored (default user id).
SM2_FIXED_PUBLIC = (
    "047d4ed932f9fd8b92c091b652f1d3713e1e1317a6dc7f47b4f1f6db634f8ae5c3"
    "ea38a06c15130eb956372f0715d99f780b6062f29a23a01337626b27b337ed11"
)
SM2_FIXED_MESSAGE = b"Anju SM2 known-answer test"
SM2_FIXED_SIGNATURE = (
    "c531d0a934394f4cb6da6f7df23afa11fb43bb500a301ab3a322d7823e50790a"
    "d69065194c688d21082e6b2f1e35e27bf0fca3f2de404c2ba6f542e443a15dde"
)

_SM2 = {k: v.lower() for k, v in gm_sm2.default_ecc_table.items()}
_SM2_P = int(_SM2["p"], 16)
_SM2_A = int(_SM2["a"], 16)
_SM2_B = int(_SM2["b"], 16)
_SM2_N = int(_SM2["n"], 16)


class CryptoFailure(InvariantViolation):
    """A key is missing or wrong, a ciphertext was altered, or an algorithm failed its self-test."""


class KeyFileExists(Conflict):
    """`anju init` never overwrites a master key: that would make every encrypted field unreadable."""


# ---------------------------------------------------------------------------------------------
# Master key: loading and creation
# ---------------------------------------------------------------------------------------------


def _parse_master_key(text: str, name: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise CryptoFailure("key_invalid", name=name) from None
    if len(key) != MASTER_KEY_BYTES:
        raise CryptoFailure("key_invalid", name=name)
    return key


def load_master_key(settings: Settings) -> bytes:
    """The master key from ANJU_MASTER_KEY (hex), else from the key file written by `anju init`.

    The file must not be readable by group or others (like ssh refuses a loose private key): a key
    that other accounts could have copied is no longer a secret.
    """
    if settings.master_key_hex:
        return _parse_master_key(settings.master_key_hex, "ANJU_MASTER_KEY")
    path = settings.master_key_file
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise CryptoFailure("key_missing", name=str(path)) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CryptoFailure("key_file_unsafe", name=str(path), mode=oct(stat.S_IMODE(mode)))
    return _parse_master_key(path.read_text(encoding="ascii"), str(path))


def create_master_key_file(path: Path | str) -> None:
    """Write 32 random bytes as hex to `path` (mode 0600; a new parent folder gets 0700).

    Refuses to overwrite an existing file (O_EXCL, so two `anju init` runs cannot race either).
    An existing parent folder keeps its permissions: it may be shared, e.g. /etc.
    """
    target = Path(path)
    if not target.parent.exists():
        target.parent.mkdir(mode=0o700, parents=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileExists("key_file_exists", path=str(target)) from None
    try:
        os.fchmod(fd, 0o600)  # the umask may only narrow the mode; make it exact
        os.write(fd, (secrets.token_hex(MASTER_KEY_BYTES) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# Primitives used by the provider and its self-test
# ---------------------------------------------------------------------------------------------


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def _gm_sm3(data: bytes) -> bytes:
    """SM3 by gmssl: a second, independent implementation for cross-checks."""
    return bytes.fromhex(gm_sm3.sm3_hash(list(data)))


def _gm_hmac_sm3(key: bytes, data: bytes) -> bytes:
    """RFC 2104 HMAC written out over gmssl's SM3 (block size 64 bytes)."""
    if len(key) > 64:
        key = _gm_sm3(key)
    key = key.ljust(64, b"\0")
    inner = _gm_sm3(bytes(b ^ 0x36 for b in key) + data)
    return _gm_sm3(bytes(b ^ 0x5C for b in key) + inner)


def _pbkdf2_sm3(password: bytes, salt: bytes, iterations: int, length: int = PASSWORD_HASH_BYTES) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SM3(), length=length, salt=salt, iterations=iterations)
    return kdf.derive(password)


def _hkdf_sm3(master: bytes, label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=length, salt=None, info=b"anju/" + label).derive(master)


def _sm4_ecb_encrypt_block(key: bytes, block: bytes) -> bytes:
    # ECB only for the standard's single-block known-answer test, never for data.
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305
    return encryptor.update(block) + encryptor.finalize()


def _sm4_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return body + encryptor.tag


def _sm4_gcm_decrypt(key: bytes, nonce: bytes, body_and_tag: bytes, aad: bytes) -> bytes:
    body, tag = body_and_tag[:-GCM_TAG_BYTES], body_and_tag[-GCM_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


# --- SM2 through gmssl -------------------------------------------------------------------------


def _sm2_engine(curve: dict[str, str], private_hex: str, public_xy: str) -> Any:
    engine = gm_sm2.CryptSM2(private_key=private_hex, public_key="", ecc_table=curve)
    engine.public_key = public_xy  # set directly: the constructor lstrip("04")s real key digits away
    return engine


def _sm2_public_of(curve: dict[str, str], private_hex: str) -> str:
    engine = _sm2_engine(curve, private_hex, "")
    return str(engine._kg(int(private_hex, 16), curve["g"]))


def _sm2_za(curve: dict[str, str], user_id: bytes, public_xy: str) -> bytes:
    """Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2 §5.5)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    return _sm3(entl + user_id + bytes.fromhex(curve["a"] + curve["b"] + curve["g"] + public_xy))


def _sm2_sign_digest(
    curve: dict[str, str], private_hex: str, public_xy: str, e: bytes, k_hex: str
) -> str | None:
    signature = _sm2_engine(curve, private_hex, public_xy).sign(e, k_hex)
    return None if signature is None else str(signature)


def _sm2_verify_digest(curve: dict[str, str], public_xy: str, e: bytes, signature: str) -> bool:
    n = int(curve["n"], 16)
    r, s = int(signature[:64], 16), int(signature[64:], 16)
    if not (1 <= r < n and 1 <= s < n):
        return False
    return bool(_sm2_engine(curve, "", public_xy).verify(signature, e))


def _is_hex(text: str, length: int) -> bool:
    if len(text) != length:
        return False
    try:
        int(text, 16)
    except ValueError:
        return False
    return True


def _sm2_public_xy(public_hex: str) -> str | None:
    """x||y (128 hex) of an uncompressed public key ("04" + x + y, or x + y), if on the curve."""
    text = public_hex.strip().lower()
    if len(text) == 130 and text.startswith("04"):
        text = text[2:]
    if not _is_hex(text, 128):
        return None
    x, y = int(text[:64], 16), int(text[64:], 16)
    if x >= _SM2_P or y >= _SM2_P or (y * y - (x * x * x + _SM2_A * x + _SM2_B)) % _SM2_P != 0:
        return None
    return text


# ---------------------------------------------------------------------------------------------
# The provider
# ---------------------------------------------------------------------------------------------


class SoftwareCryptoProvider:
    """Implements `anju.services.ports.CryptoProvider` in software (dev, CI, small centres)."""

    def __init__(
        self,
        master_key: bytes,
        *,
        password_iterations: int = 200_000,
        data_key_version: int = 1,
    ) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise CryptoFailure("key_invalid", name="master_key")
        if not MIN_PASSWORD_ITERATIONS <= password_iterations <= MAX_PASSWORD_ITERATIONS:
            raise ValueError(
                f"password_iterations must be in [{MIN_PASSWORD_ITERATIONS}, {MAX_PASSWORD_ITERATIONS}]"
            )
        if not 1 <= data_key_version <= 255:
            raise ValueError("data_key_version must be in [1, 255]")
        self._master = master_key
        self._password_iterations = password_iterations
        self._data_key_version = data_key_version
        self._data_keys: dict[int, bytes] = {}
        self._mac_keys: dict[str, bytes] = {}
        self._placeholder_hash: str | None = None

    def __repr__(self) -> str:  # never show key material in logs or tracebacks
        return f"SoftwareCryptoProvider(data_key_version={self._data_key_version})"

    @property
    def password_iterations(self) -> int:
        return self._password_iterations

    # --- keys ---------------------------------------------------------------------------------

    def _data_key(self, version: int) -> bytes:
        key = self._data_keys.get(version)
        if key is None:
            key = _hkdf_sm3(self._master, b"sm4-gcm/data-key/v%d" % version, SM4_KEY_BYTES)
            self._data_keys[version] = key
        return key

    def _mac_key(self, purpose: str) -> bytes:
        key = self._mac_keys.get(purpose)
        if key is None:
            if not purpose:
                raise ValueError("an HMAC purpose is required")
            key = _hkdf_sm3(self._master, b"hmac-sm3/" + purpose.encode("utf-8"), 32)
            self._mac_keys[purpose] = key
        return key

    # --- hashing and MACs ---------------------------------------------------------------------

    def sm3(self, data: bytes) -> bytes:
        return _sm3(data)

    def hmac_sm3(self, purpose: str, data: bytes) -> bytes:
        """HMAC-SM3 under the key of `purpose` ("audit_chain", "blind_index:phone", "session"...)."""
        return _hmac_sm3(self._mac_key(purpose), data)

    def blind_index(self, kind: str, value: str) -> str:
        """Hex HMAC-SM3 of a canonical value, for equality look-ups of encrypted PII (K2).

        The caller passes the canonical form (e.g. `ResidentId(...).reveal()`): the index matches
        only byte-identical input.
        """
        return self.hmac_sm3(f"blind_index:{kind}", value.encode("utf-8")).hex()

    # --- encryption ---------------------------------------------------------------------------

    @staticmethod
    def _aad(version: int, context: str) -> bytes:
        if not context:
            raise ValueError("an encryption context is required")
        return b"anju/v%d/" % version + context.encode("utf-8")

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """SM4-GCM: version byte || 12-byte random nonce || ciphertext || 16-byte tag.

        `context` (e.g. "resident_id") is authenticated but not stored: a ciphertext copied into
        another column or field does not decrypt there.
        """
        version = self._data_key_version
        nonce = secrets.token_bytes(GCM_NONCE_BYTES)
        body = _sm4_gcm_encrypt(
            self._data_key(version), nonce, plaintext.encode("utf-8"), self._aad(version, context)
        )
        return bytes([version]) + nonce + body

    def decrypt(self, token: bytes, *, context: str) -> str:
        """The plaintext; raises CryptoFailure("decryption_failed") on any alteration (fail closed)."""
        token = bytes(token)  # PostgreSQL's driver returns memoryview for BYTEA
        if len(token) < 1 + GCM_NONCE_BYTES + GCM_TAG_BYTES:
            raise CryptoFailure("decryption_failed", context=context)
        version = token[0]
        if version == 0:
            raise CryptoFailure("decryption_failed", context=context)
        nonce, body = token[1 : 1 + GCM_NONCE_BYTES], token[1 + GCM_NONCE_BYTES :]
        try:
            plain = _sm4_gcm_decrypt(self._data_key(version), nonce, body, self._aad(version, context))
        except InvalidTag:
            raise CryptoFailure("decryption_failed", context=context) from None
        return plain.decode("utf-8")

    @property
    def data_key_version(self) -> int:
        """The version new writes are encrypted under (ANJU_DATA_KEY_VERSION)."""
        return self._data_key_version

    def key_version_of(self, token: bytes) -> int:
        """The data-key version a ciphertext was written under (re-encryption jobs use it)."""
        return bytes(token[:1])[0]

    # --- passwords ----------------------------------------------------------------------------

    def hash_password(self, password: str) -> str:
        """PBKDF2-HMAC-SM3 with a 16-byte random salt: "pbkdf2-sm3$<iterations>$<salt>$<hash>"."""
        salt = secrets.token_bytes(PASSWORD_SALT_BYTES)
        derived = _pbkdf2_sm3(password.encode("utf-8"), salt, self._password_iterations)
        return f"{PASSWORD_SCHEME}${self._password_iterations}${salt.hex()}${derived.hex()}"

    def verify_password(self, password: str, stored: str) -> bool:
        """Constant-time comparison; a malformed stored value never matches."""
        parts = stored.split("$")
        if len(parts) != 4 or parts[0] != PASSWORD_SCHEME or not parts[1].isdigit():
            return False
        iterations = int(parts[1])
        if not 1 <= iterations <= MAX_PASSWORD_ITERATIONS:
            return False
        try:
            salt, expected = bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
        except ValueError:
            return False
        if not salt or len(expected) != PASSWORD_HASH_BYTES:
            return False
        derived = _pbkdf2_sm3(password.encode("utf-8"), salt, iterations)
        return std_hmac.compare_digest(derived, expected)

    def password_needs_rehash(self, stored: str) -> bool:
        """True when a hash was made with fewer iterations than configured now."""
        parts = stored.split("$")
        return len(parts) != 4 or parts[0] != PASSWORD_SCHEME or parts[1] != str(self._password_iterations)

    def password_hash_placeholder(self) -> str:
        """A hash of a random password, to verify against when the user does not exist.

        Same scheme and iteration count as real hashes, so an unknown username costs the same time
        as a wrong password (A5) — computed once, then reused.
        """
        if self._placeholder_hash is None:
            self._placeholder_hash = self.hash_password(secrets.token_urlsafe(24))
        return self._placeholder_hash

    # --- randomness ---------------------------------------------------------------------------

    def random_token(self, nbytes: int = 32) -> str:
        if nbytes < 16:
            raise ValueError("a token needs at least 16 random bytes")
        return secrets.token_urlsafe(nbytes)

    def random_bytes(self, nbytes: int) -> bytes:
        return secrets.token_bytes(nbytes)

    # --- SM2 ----------------------------------------------------------------------------------

    def sm2_generate_keypair(self) -> tuple[str, str]:
        """(private key as 64 hex, public key as "04" + x + y in 128 hex)."""
        d = secrets.randbelow(_SM2_N - 2) + 1  # d in [1, n-2] (GB/T 32918.1 §6.1)
        private_hex = f"{d:064x}"
        return private_hex, "04" + _sm2_public_of(_SM2, private_hex)

    def derived_sm2_keypair(self, purpose: str) -> tuple[str, str]:
        """A key pair derived from the master key for `purpose` (HKDF-SM3, ADR 0004): nothing to
        store, the same on every start and every restored copy, unknowable without the master key
        (a DBA who rewrites the database cannot re-sign). d = 1 + (HKDF output mod (n - 2))."""
        seed = int.from_bytes(_hkdf_sm3(self._master, f"sm2:{purpose}".encode(), 40), "big")
        private_hex = f"{seed % (_SM2_N - 2) + 1:064x}"
        return private_hex, "04" + _sm2_public_of(_SM2, private_hex)

    def sm2_sign(self, private_hex: str, data: bytes) -> str:
        """SM2 signature (r || s, 128 hex) over SM3(Z_A || data) with the default signer id."""
        private_hex = private_hex.strip().lower()
        if not _is_hex(private_hex, 64) or not 1 <= int(private_hex, 16) <= _SM2_N - 2:
            raise CryptoFailure("key_invalid", name="sm2_private_key")
        public_xy = _sm2_public_of(_SM2, private_hex)
        e = _sm3(_sm2_za(_SM2, SM2_DEFAULT_USER_ID, public_xy) + data)
        while True:  # gmssl returns None for the rare k that gives r = 0, r + k = n or s = 0
            k_hex = f"{secrets.randbelow(_SM2_N - 1) + 1:064x}"
            signature = _sm2_sign_digest(_SM2, private_hex, public_xy, e, k_hex)
            if signature is not None:
                return signature

    def sm2_verify(self, public_hex: str, data: bytes, signature: str) -> bool:
        """True only for a well-formed signature that verifies; never raises on bad input."""
        public_xy = _sm2_public_xy(public_hex)
        signature = signature.strip().lower()
        if public_xy is None or not _is_hex(signature, 128):
            return False
        e = _sm3(_sm2_za(_SM2, SM2_DEFAULT_USER_ID, public_xy) + data)
        try:
            return _sm2_verify_digest(_SM2, public_xy, e, signature)
        except Exception:  # gmssl fails with TypeError on degenerate points: not a valid signature
            return False

    # --- power-on self-test (K1) --------------------------------------------------------------

    def self_test(self) -> None:
        """Known-answer tests of every algorithm, then a round trip with this provider's own keys.

        Raises CryptoFailure("crypto_self_test_failed", algorithm=...) on the first mismatch;
        bootstrap lets it stop start-up. The algorithm tests depend only on the code and the
        vectors, so they run once per process (a power-on self-test) and again whenever a vector
        differs from the one that passed; the key-dependent round trip runs on every call.
        """
        fingerprint = _vectors_fingerprint()
        if fingerprint not in _PASSED_VECTORS:
            _run_checks(_ALGORITHM_CHECKS)
            _PASSED_VECTORS.add(fingerprint)
        _run_checks([("SM4-GCM", self._check_encrypt_round_trip)])

    def _check_encrypt_round_trip(self) -> bool:
        token = self.encrypt("自检 self-test", context="self_test")
        if self.decrypt(token, context="self_test") != "自检 self-test":
            return False
        try:
            self.decrypt(token, context="self_test_other")
        except CryptoFailure:
            return True
        return False


def _run_checks(checks: list[tuple[str, Callable[[], bool]]]) -> None:
    for algorithm, check in checks:
        try:
            passed = check()
        except Exception:
            passed = False
        if not passed:
            raise CryptoFailure("crypto_self_test_failed", algorithm=algorithm)


def _check_sm3() -> bool:
    abcd16 = b"abcd" * 16
    return (
        _sm3(b"abc").hex() == SM3_ABC_DIGEST
        and _gm_sm3(b"abc").hex() == SM3_ABC_DIGEST
        and _sm3(abcd16).hex() == SM3_ABCD16_DIGEST
    )


def _check_sm4_ecb() -> bool:
    key = bytes.fromhex(SM4_ECB_KEY_PLAIN)
    return _sm4_ecb_encrypt_block(key, key).hex() == SM4_ECB_CIPHER


def _check_sm4_gcm() -> bool:
    key, nonce, aad = bytes.fromhex(SM4_GCM_KEY), bytes.fromhex(SM4_GCM_IV), bytes.fromhex(SM4_GCM_AAD)
    sealed = _sm4_gcm_encrypt(key, nonce, bytes.fromhex(SM4_GCM_PLAIN), aad)
    if sealed.hex() != SM4_GCM_CIPHER + SM4_GCM_TAG:
        return False
    if _sm4_gcm_decrypt(key, nonce, sealed, aad).hex() != SM4_GCM_PLAIN:
        return False
    try:  # a flipped bit must be refused
        _sm4_gcm_decrypt(key, nonce, bytes([sealed[0] ^ 1]) + sealed[1:], aad)
    except InvalidTag:
        return True
    return False


def _check_hmac_sm3() -> bool:
    return all(
        _hmac_sm3(key, data).hex() == expected and _gm_hmac_sm3(key, data).hex() == expected
        for key, data, expected in HMAC_SM3_VECTORS
    )


def _check_pbkdf2() -> bool:
    return _pbkdf2_sm3(b"password", b"saltSALTsaltSALT", 3).hex() == PBKDF2_SM3_VECTOR


def _check_sm2_gbt32918() -> bool:
    curve = GBT32918_CURVE
    if _sm2_public_of(curve, GBT32918_PRIVATE) != GBT32918_PUBLIC:
        return False
    za = _sm2_za(curve, GBT32918_USER_ID, GBT32918_PUBLIC)
    if za.hex() != GBT32918_ZA:
        return False
    e = _sm3(za + GBT32918_MESSAGE)
    if _sm2_sign_digest(curve, GBT32918_PRIVATE, GBT32918_PUBLIC, e, GBT32918_K) != GBT32918_SIGNATURE:
        return False
    wrong = _sm3(za + GBT32918_MESSAGE + b"!")
    return _sm2_verify_digest(curve, GBT32918_PUBLIC, e, GBT32918_SIGNATURE) and not _sm2_verify_digest(
        curve, GBT32918_PUBLIC, wrong, GBT32918_SIGNATURE
    )


def _check_sm2_fixed_and_round_trip() -> bool:
    provider = SoftwareCryptoProvider(bytes(MASTER_KEY_BYTES), password_iterations=MIN_PASSWORD_ITERATIONS)
    if not provider.sm2_verify(SM2_FIXED_PUBLIC, SM2_FIXED_MESSAGE, SM2_FIXED_SIGNATURE):
        return False
    private_hex, public_hex = provider.sm2_generate_keypair()
    signature = provider.sm2_sign(private_hex, b"anju self-test")
    return provider.sm2_verify(public_hex, b"anju self-test", signature) and not provider.sm2_verify(
        public_hex, b"anju self-test!", signature
    )


_ALGORITHM_CHECKS: list[tuple[str, Callable[[], bool]]] = [
    ("SM3", _check_sm3),
    ("SM4", _check_sm4_ecb),
    ("SM4-GCM", _check_sm4_gcm),
    ("HMAC-SM3", _check_hmac_sm3),
    ("PBKDF2-HMAC-SM3", _check_pbkdf2),
    ("SM2", _check_sm2_gbt32918),
    ("SM2", _check_sm2_fixed_and_round_trip),
]
_PASSED_VECTORS: set[str] = set()


def _vectors_fingerprint() -> str:
    """Every known-answer constant of this module, so a changed vector forces a re-run."""
    module = globals()
    names = sorted(
        name
        for name in module
        if name.isupper() and name.startswith(("SM3_", "SM4_", "HMAC_", "PBKDF2_", "GBT32918_", "SM2_"))
    )
    return _sm3(repr([(name, module[name]) for name in names]).encode("utf-8")).hex()
