"""Vault: AES-GCM sealing bound to its place; any tampering fails to open."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huntaze_desktop.domain.errors import DecryptionError
from huntaze_desktop.storage.vault import SecretPlace, Vault

KEY = bytes(range(32))
PLACE = SecretPlace("oauth_accounts", "access_token", 1, "instagram", "17841400000")

places = st.builds(
    SecretPlace,
    table=st.sampled_from(["oauth_accounts", "client_credentials"]),
    column=st.sampled_from(["access_token", "refresh_token", "client_secret"]),
    user_id=st.integers(min_value=0, max_value=2**31),
    provider=st.text(max_size=12),
    provider_account_id=st.text(max_size=24),
)


def test_round_trip() -> None:
    vault = Vault(KEY)
    sealed = vault.seal("IGQVJ-token", PLACE)
    assert b"IGQVJ" not in sealed
    assert vault.open(sealed, PLACE) == "IGQVJ-token"
    assert Vault.sealed_key_id(sealed) == vault.key_id
    assert KEY.hex() not in repr(vault)


def test_each_seal_uses_a_fresh_nonce() -> None:
    vault = Vault(KEY)
    assert vault.seal("same", PLACE) != vault.seal("same", PLACE)


def test_every_flipped_byte_is_detected() -> None:
    vault = Vault(KEY)
    sealed = vault.seal("refresh-token-value", PLACE)
    for index in range(len(sealed)):
        for bit in (0x01, 0x80):
            tampered = bytearray(sealed)
            tampered[index] ^= bit
            with pytest.raises(DecryptionError):
                vault.open(bytes(tampered), PLACE)


def test_truncated_and_foreign_blobs_are_rejected() -> None:
    vault = Vault(KEY)
    sealed = vault.seal("x", PLACE)
    for blob in (b"", sealed[:10], sealed[:-1], b"plaintext token", sealed + b"\0"):
        with pytest.raises(DecryptionError):
            vault.open(blob, PLACE)


@pytest.mark.parametrize(
    "other",
    [
        SecretPlace("oauth_accounts", "refresh_token", 1, "instagram", "17841400000"),
        SecretPlace("oauth_accounts", "access_token", 2, "instagram", "17841400000"),
        SecretPlace("oauth_accounts", "access_token", 1, "tiktok", "17841400000"),
        SecretPlace("oauth_accounts", "access_token", 1, "instagram", "17841400001"),
        SecretPlace("api_cache", "access_token", 1, "instagram", "17841400000"),
        # Same concatenation, different split: the length prefixes tell them apart.
        SecretPlace("oauth_accounts", "access_token", 1, "instagram1", "7841400000"),
    ],
)
def test_wrong_place_is_rejected(other: SecretPlace) -> None:
    vault = Vault(KEY)
    with pytest.raises(DecryptionError):
        vault.open(vault.seal("token", PLACE), other)


def test_wrong_key_is_rejected() -> None:
    sealed = Vault(KEY).seal("token", PLACE)
    with pytest.raises(DecryptionError):
        Vault(Vault.generate_key()).open(sealed, PLACE)


def test_key_id_forged_to_match_still_fails() -> None:
    other = Vault(Vault.generate_key())
    sealed = bytearray(Vault(KEY).seal("token", PLACE))
    sealed[4:12] = other.key_id  # claim the other key sealed it
    with pytest.raises(DecryptionError):
        other.open(bytes(sealed), PLACE)


def test_key_length_is_enforced() -> None:
    with pytest.raises(ValueError):
        Vault(b"short")


@settings(max_examples=200, deadline=None)
@given(plaintext=st.text(), place=places)
def test_property_round_trip(plaintext: str, place: SecretPlace) -> None:
    vault = Vault(KEY)
    assert vault.open(vault.seal(plaintext, place), place) == plaintext


@settings(max_examples=200, deadline=None)
@given(plaintext=st.text(), place=places, other=places)
def test_property_other_place_never_opens(
    plaintext: str, place: SecretPlace, other: SecretPlace
) -> None:
    vault = Vault(KEY)
    sealed = vault.seal(plaintext, place)
    if other == place:
        assert vault.open(sealed, other) == plaintext
    else:
        with pytest.raises(DecryptionError):
            vault.open(sealed, other)


@settings(max_examples=200, deadline=None)
@given(plaintext=st.text(min_size=1), position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_property_any_bit_flip_fails(plaintext: str, position: int, bit: int) -> None:
    vault = Vault(KEY)
    sealed = bytearray(vault.seal(plaintext, PLACE))
    sealed[position % len(sealed)] ^= 1 << bit
    with pytest.raises(DecryptionError):
        vault.open(bytes(sealed), PLACE)
