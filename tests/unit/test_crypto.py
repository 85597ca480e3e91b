"""The software crypto provider: known answers, authenticated encryption, passwords, SM2, keys (K1/K2/K7)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.adapters.crypto import fields
from anju.adapters.crypto import provider as p
from anju.adapters.crypto.provider import (
    CryptoFailure,
    KeyFileExists,
    SoftwareCryptoProvider,
    create_master_key_file,
    load_master_key,
)
from anju.settings import load_settings

KEY = bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210")
OTHER_KEY = bytes(range(32))


@pytest.fixture(scope="module")
def crypto() -> SoftwareCryptoProvider:
    return SoftwareCryptoProvider(KEY, password_iterations=2000)


# --- known answers (K1) ----------------------------------------------------------------------


def test_sm3_known_answer(crypto: SoftwareCryptoProvider) -> None:
    assert crypto.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm4_ecb_known_answer() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert p._sm4_ecb_encrypt_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_hmac_sm3_agrees_with_an_hmac_built_over_gmssl(crypto: SoftwareCryptoProvider) -> None:
    for key, data, expected in p.HMAC_SM3_VECTORS:
        assert p._hmac_sm3(key, data).hex() == expected
        assert p._gm_hmac_sm3(key, data).hex() == expected


def test_gbt32918_signature_example_is_reproduced() -> None:
    assert p._check_sm2_gbt32918()


def test_self_test_passes(crypto: SoftwareCryptoProvider) -> None:
    crypto.self_test()


@pytest.mark.parametrize(
    ("constant", "bad_value", "algorithm"),
    [
        ("SM3_ABC_DIGEST", "00" * 32, "SM3"),
        ("SM4_ECB_CIPHER", "00" * 16, "SM4"),
        ("SM4_GCM_TAG", "00" * 16, "SM4-GCM"),
        ("HMAC_SM3_VECTORS", ((b"k", b"d", "00" * 32),), "HMAC-SM3"),
        ("PBKDF2_SM3_VECTOR", "00" * 32, "PBKDF2-HMAC-SM3"),
        ("GBT32918_SIGNATURE", "1" + p.GBT32918_SIGNATURE[1:], "SM2"),
        ("SM2_FIXED_SIGNATURE", p.SM2_FIXED_SIGNATURE[:-1] + "0", "SM2"),
    ],
)
def test_self_test_fails_when_a_vector_does_not_match(
    crypto: SoftwareCryptoProvider,
    monkeypatch: pytest.MonkeyPatch,
    constant: str,
    bad_value: object,
    algorithm: str,
) -> None:
    crypto.self_test()  # passes (and is remembered) with the real vectors first
    monkeypatch.setattr(p, constant, bad_value)
    with pytest.raises(CryptoFailure) as caught:
        crypto.self_test()
    assert caught.value.code == "crypto_self_test_failed"
    assert caught.value.details == {"algorithm": algorithm}


def test_bootstrap_refuses_to_start_on_a_failed_self_test(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from anju.bootstrap import build

    monkeypatch.setattr(p, "SM3_ABC_DIGEST", "ff" * 32)
    settings = load_settings(
        {
            "ANJU_HOME": str(tmp_path),
            "ANJU_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "ANJU_MASTER_KEY": KEY.hex(),
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
    )
    with pytest.raises(CryptoFailure, match="crypto_self_test_failed"):
        build(settings)


# --- authenticated encryption (K2) -----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=200), context=st.sampled_from(["resident_id", "phone", "bank_card"]))
def test_encrypt_round_trip(crypto: SoftwareCryptoProvider, text: str, context: str) -> None:
    assert crypto.decrypt(crypto.encrypt(text, context=context), context=context) == text


def test_same_plaintext_gives_different_ciphertexts(crypto: SoftwareCryptoProvider) -> None:
    tokens = {crypto.encrypt("410102199001011234", context="resident_id") for _ in range(50)}
    assert len(tokens) == 50
    assert all(b"410102199001011234" not in t for t in tokens)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_altered_byte_is_refused(crypto: SoftwareCryptoProvider, data: st.DataObject) -> None:
    token = crypto.encrypt("13812345678", context="phone")
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    altered = token[:position] + bytes([token[position] ^ flip]) + token[position + 1 :]
    with pytest.raises(CryptoFailure) as caught:
        crypto.decrypt(altered, context="phone")
    assert caught.value.code == "decryption_failed"


def test_truncated_ciphertext_is_refused(crypto: SoftwareCryptoProvider) -> None:
    token = crypto.encrypt("x", context="phone")
    for cut in (0, 1, 13, len(token) - 1):
        with pytest.raises(CryptoFailure):
            crypto.decrypt(token[:cut], context="phone")


def test_wrong_context_is_refused(crypto: SoftwareCryptoProvider) -> None:
    token = crypto.encrypt("6222020200112233445", context="bank_card")
    with pytest.raises(CryptoFailure, match="decryption_failed"):
        crypto.decrypt(token, context="resident_id")


def test_another_master_key_cannot_decrypt(crypto: SoftwareCryptoProvider) -> None:
    token = crypto.encrypt("secret", context="phone")
    with pytest.raises(CryptoFailure):
        SoftwareCryptoProvider(OTHER_KEY, password_iterations=2000).decrypt(token, context="phone")


def test_key_rotation_keeps_old_rows_readable(crypto: SoftwareCryptoProvider) -> None:
    old_token = crypto.encrypt("13812345678", context="phone")
    rotated = SoftwareCryptoProvider(KEY, password_iterations=2000, data_key_version=2)
    new_token = rotated.encrypt("13812345678", context="phone")
    assert old_token[0] == 1
    assert new_token[0] == 2
    assert rotated.key_version_of(new_token) == 2
    assert rotated.decrypt(old_token, context="phone") == "13812345678"
    # the version byte is authenticated: relabelling a v1 ciphertext as v2 does not decrypt
    with pytest.raises(CryptoFailure):
        rotated.decrypt(bytes([2]) + old_token[1:], context="phone")


def test_blind_index_is_deterministic_keyed_and_separated_by_kind(crypto: SoftwareCryptoProvider) -> None:
    a = crypto.blind_index("resident_id", "410102199001011234")
    assert a == crypto.blind_index("resident_id", "410102199001011234")
    assert len(a) == 64
    assert a != crypto.blind_index("phone", "410102199001011234")
    assert a != crypto.blind_index("resident_id", "410102199001011235")
    other = SoftwareCryptoProvider(OTHER_KEY, password_iterations=2000)
    assert a != other.blind_index("resident_id", "410102199001011234")


def test_hmac_purposes_use_different_keys(crypto: SoftwareCryptoProvider) -> None:
    assert crypto.hmac_sm3("audit_chain", b"x") != crypto.hmac_sm3("session", b"x")
    assert crypto.hmac_sm3("audit_chain", b"x") == crypto.hmac_sm3("audit_chain", b"x")


def test_fields_seal_and_look_up(crypto: SoftwareCryptoProvider) -> None:
    enc, idx = fields.seal(crypto, fields.RESIDENT_ID, "410102199001011234")
    assert fields.unseal(crypto, fields.RESIDENT_ID, enc) == "410102199001011234"
    assert fields.lookup_key(crypto, fields.RESIDENT_ID, "410102199001011234") == idx
    with pytest.raises(CryptoFailure):
        fields.unseal(crypto, fields.PHONE, enc)


def test_repr_shows_no_key(crypto: SoftwareCryptoProvider) -> None:
    assert KEY.hex() not in repr(crypto)
    assert "0f1e2d" not in repr(crypto)


# --- passwords (K7) --------------------------------------------------------------------------


def test_password_hash_and_verify(crypto: SoftwareCryptoProvider) -> None:
    stored = crypto.hash_password("Anju@2026")
    scheme, iterations, salt, digest = stored.split("$")
    assert (scheme, iterations) == ("pbkdf2-sm3", "2000")
    assert len(bytes.fromhex(salt)) == 16
    assert len(bytes.fromhex(digest)) == 32
    assert "Anju@2026" not in stored
    assert crypto.verify_password("Anju@2026", stored)
    assert not crypto.verify_password("Anju@2027", stored)
    assert not crypto.verify_password("", stored)


def test_each_hash_has_its_own_salt(crypto: SoftwareCryptoProvider) -> None:
    assert crypto.hash_password("Anju@2026") != crypto.hash_password("Anju@2026")


def test_a_hash_verifies_under_another_iteration_setting(crypto: SoftwareCryptoProvider) -> None:
    stored = SoftwareCryptoProvider(KEY, password_iterations=1000).hash_password("Anju@2026")
    assert crypto.verify_password("Anju@2026", stored)
    assert crypto.password_needs_rehash(stored)
    assert not crypto.password_needs_rehash(crypto.hash_password("Anju@2026"))


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain",
        "pbkdf2-sm3$x$00$00",
        "pbkdf2-sm3$2000$zz$00",
        "pbkdf2-sm3$2000$$" + "00" * 32,
        "md5$1$00$00",
    ],
)
def test_malformed_stored_hash_never_matches(crypto: SoftwareCryptoProvider, stored: str) -> None:
    assert not crypto.verify_password("", stored)
    assert not crypto.verify_password("plain", stored)


def test_placeholder_costs_the_same_as_a_real_hash(crypto: SoftwareCryptoProvider) -> None:
    placeholder = crypto.password_hash_placeholder()
    assert placeholder.split("$")[1] == str(crypto.password_iterations)
    assert placeholder == crypto.password_hash_placeholder()
    assert not crypto.verify_password("", placeholder)


def test_iterations_are_bounded() -> None:
    with pytest.raises(ValueError, match="password_iterations"):
        SoftwareCryptoProvider(KEY, password_iterations=10)


def test_random_tokens(crypto: SoftwareCryptoProvider) -> None:
    tokens = {crypto.random_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) == 43 and "=" not in t for t in tokens)  # 32 bytes, url-safe base64
    with pytest.raises(ValueError, match="16 random bytes"):
        crypto.random_token(8)


# --- SM2 -------------------------------------------------------------------------------------


def test_sm2_sign_and_verify(crypto: SoftwareCryptoProvider) -> None:
    private_hex, public_hex = crypto.sm2_generate_keypair()
    assert len(private_hex) == 64
    assert len(public_hex) == 130
    assert public_hex.startswith("04")
    signature = crypto.sm2_sign(private_hex, "单位证书挑战".encode())
    assert crypto.sm2_verify(public_hex, "单位证书挑战".encode(), signature)
    assert crypto.sm2_verify(public_hex[2:], "单位证书挑战".encode(), signature)  # bare x || y
    assert not crypto.sm2_verify(public_hex, "单位证书挑战!".encode(), signature)
    _other_private, other_public = crypto.sm2_generate_keypair()
    assert not crypto.sm2_verify(other_public, "单位证书挑战".encode(), signature)


def test_sm2_signatures_are_randomised(crypto: SoftwareCryptoProvider) -> None:
    private_hex, _public = crypto.sm2_generate_keypair()
    assert crypto.sm2_sign(private_hex, b"x") != crypto.sm2_sign(private_hex, b"x")


def test_sm2_public_keys_starting_with_0_or_4_work(crypto: SoftwareCryptoProvider) -> None:
    # gmssl's constructor lstrip("04")s such keys; the provider must not depend on it.
    for _ in range(400):
        private_hex, public_hex = crypto.sm2_generate_keypair()
        if public_hex[2] in "04":
            break
    else:  # pragma: no cover - probability (14/16)^400
        pytest.fail("no key with x starting with 0 or 4")
    signature = crypto.sm2_sign(private_hex, b"challenge")
    assert crypto.sm2_verify(public_hex, b"challenge", signature)


@pytest.mark.parametrize(
    ("public", "signature"),
    [
        (p.SM2_FIXED_PUBLIC, ""),
        (p.SM2_FIXED_PUBLIC, "zz" * 64),
        (p.SM2_FIXED_PUBLIC, "00" * 64),  # r = s = 0
        (p.SM2_FIXED_PUBLIC, "ff" * 64),  # r, s >= n
        ("04" + "00" * 64, p.SM2_FIXED_SIGNATURE),  # not on the curve
        ("", p.SM2_FIXED_SIGNATURE),
        (p.SM2_FIXED_PUBLIC[:-2] + "00", p.SM2_FIXED_SIGNATURE),
    ],
)
def test_sm2_verify_says_no_to_malformed_input(
    crypto: SoftwareCryptoProvider, public: str, signature: str
) -> None:
    assert not crypto.sm2_verify(public, p.SM2_FIXED_MESSAGE, signature)


def test_sm2_fixed_vector_verifies(crypto: SoftwareCryptoProvider) -> None:
    assert crypto.sm2_verify(p.SM2_FIXED_PUBLIC, p.SM2_FIXED_MESSAGE, p.SM2_FIXED_SIGNATURE)


def test_sm2_sign_refuses_a_bad_private_key(crypto: SoftwareCryptoProvider) -> None:
    for bad in ("", "00" * 32, "zz" * 32, "ff" * 32):
        with pytest.raises(CryptoFailure, match="key_invalid"):
            crypto.sm2_sign(bad, b"x")


# --- master key ------------------------------------------------------------------------------


def test_master_key_from_environment(tmp_path: Path) -> None:
    settings = load_settings({"ANJU_HOME": str(tmp_path), "ANJU_MASTER_KEY": KEY.hex()})
    assert load_master_key(settings) == KEY


@pytest.mark.parametrize("bad", ["zz" * 32, "00" * 31, "00" * 33])
def test_malformed_master_key_is_refused(tmp_path: Path, bad: str) -> None:
    settings = load_settings({"ANJU_HOME": str(tmp_path), "ANJU_MASTER_KEY": bad})
    with pytest.raises(CryptoFailure) as caught:
        load_master_key(settings)
    assert caught.value.code == "key_invalid"
    assert bad not in str(caught.value)  # never echo key material


def test_missing_key_file(tmp_path: Path) -> None:
    settings = load_settings({"ANJU_HOME": str(tmp_path)})
    with pytest.raises(CryptoFailure) as caught:
        load_master_key(settings)
    assert caught.value.code == "key_missing"
    assert caught.value.details["name"] == str(tmp_path / "keys" / "master.key")


def test_create_master_key_file_then_load_it(tmp_path: Path) -> None:
    settings = load_settings({"ANJU_HOME": str(tmp_path)})
    create_master_key_file(settings.master_key_file)
    assert stat.S_IMODE(settings.master_key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.master_key_file.parent.stat().st_mode) == 0o700
    key = load_master_key(settings)
    assert len(key) == 32
    SoftwareCryptoProvider(key, password_iterations=2000).self_test()


def test_create_master_key_file_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    create_master_key_file(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileExists) as caught:
        create_master_key_file(path)
    assert caught.value.code == "key_file_exists"
    assert path.read_bytes() == before


def test_two_key_files_differ(tmp_path: Path) -> None:
    create_master_key_file(tmp_path / "a.key")
    create_master_key_file(tmp_path / "b.key")
    assert (tmp_path / "a.key").read_bytes() != (tmp_path / "b.key").read_bytes()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    settings = load_settings({"ANJU_HOME": str(tmp_path)})
    create_master_key_file(settings.master_key_file)
    settings.master_key_file.chmod(0o644)
    with pytest.raises(CryptoFailure) as caught:
        load_master_key(settings)
    assert caught.value.code == "key_file_unsafe"
