"""Every sealed column in one place: where each secret lives, and key rotation.

The :class:`SecretPlace` of a value is the vault's associated data; building it
here for every table keeps sealing, opening and re-sealing consistent.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huntaze_desktop.storage.models import ClientCredential, OAuthAccount, PendingRevocation
from huntaze_desktop.storage.vault import SecretPlace, Vault

__all__ = [
    "account_place",
    "client_secret_place",
    "count_sealed",
    "reseal_all",
    "revocation_place",
]


def account_place(row: OAuthAccount, column: str) -> SecretPlace:
    """``access_token`` / ``refresh_token`` of one account row."""
    return SecretPlace("oauth_accounts", column, row.user_id, row.provider, row.provider_account_id)


def client_secret_place(user_id: int, provider: str, client_id: str) -> SecretPlace:
    """A client secret, bound to its client id too."""
    return SecretPlace("client_credentials", "client_secret", user_id, provider, client_id)


def revocation_place(user_id: int, provider: str, provider_account_id: str) -> SecretPlace:
    """A token waiting to be revoked."""
    return SecretPlace("pending_revocations", "token", user_id, provider, provider_account_id)


def reseal_all(session: Session, old: Vault, new: Vault) -> int:
    """Open every sealed value with ``old`` and seal it with ``new``; returns the count.

    Raises ``DecryptionError`` on the first value that does not open; the caller's
    transaction then rolls back, so nothing is half re-sealed.
    """
    count = 0
    for row in session.scalars(select(OAuthAccount)):
        for column in ("access_token", "refresh_token"):
            sealed = getattr(row, column)
            if sealed is not None:
                place = account_place(row, column)
                setattr(row, column, new.seal(old.open(sealed, place), place))
                count += 1
    for cred in session.scalars(select(ClientCredential)):
        if cred.client_secret is not None:
            place = client_secret_place(cred.user_id, cred.provider, cred.client_id)
            cred.client_secret = new.seal(old.open(cred.client_secret, place), place)
            count += 1
    for item in session.scalars(select(PendingRevocation)):
        place = revocation_place(item.user_id, item.provider, item.provider_account_id)
        item.token = new.seal(old.open(item.token, place), place)
        count += 1
    session.flush()
    return count


def count_sealed(session: Session) -> int:
    """How many sealed values the database holds (what a lost key would make unreadable)."""
    tokens = session.scalar(
        select(func.count(OAuthAccount.access_token) + func.count(OAuthAccount.refresh_token))
    )
    secrets = session.scalar(select(func.count(ClientCredential.client_secret)))
    pending = session.scalar(select(func.count(PendingRevocation.token)))
    return int(tokens or 0) + int(secrets or 0) + int(pending or 0)
