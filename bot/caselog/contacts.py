"""Call-back contact details: recognised in what the professional typed, encrypted at rest.

The only personal data the advice line keeps is a phone number or e-mail address
that the professional typed on purpose in answer to the intake question. It is
normalised here, encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from the
``cryptography`` package) under the ``contact_key`` secret, stored apart from the
case text and erased when the case closes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken

EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")
PHONE_CANDIDATE = re.compile(r"(?:\+|00)?\d[\d\s().-]{7,18}\d")
PHONE = "phone"
MAIL = "email"


class ContactError(ValueError):
    """A contact detail cannot be encrypted or decrypted (wrong or missing key)."""


@dataclass(frozen=True)
class Contact:
    """A normalised phone number (E.164) or e-mail address."""

    kind: str
    value: str


def find_contact(text: str) -> Contact | None:
    """Return the phone number or e-mail address in ``text``, if it holds one."""
    email = EMAIL.search(text)
    if email:
        return Contact(MAIL, email.group(0).lower())
    for candidate in PHONE_CANDIDATE.findall(text):
        try:
            number = phonenumbers.parse(candidate, "NL")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return Contact(
                PHONE, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            )
    return None


class ContactCipher:
    """Encrypts and decrypts contact details with the configured key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise ContactError("contact_key is not a valid Fernet key") from exc

    def encrypt(self, contact: Contact) -> str:
        """Return the encrypted form of a contact (kind and value together)."""
        return self._fernet.encrypt(f"{contact.kind}:{contact.value}".encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> Contact:
        """Return the contact, or raise :class:`ContactError`."""
        try:
            plain = self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError) as exc:
            raise ContactError("contact detail cannot be decrypted with this key") from exc
        kind, _, value = plain.partition(":")
        return Contact(kind, value)
