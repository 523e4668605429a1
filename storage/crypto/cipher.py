"""AES-256-GCM with associated data, in a small versioned envelope."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_NONCE = 12
KEY_BYTES = 32


class DecryptError(Exception):
    """A ciphertext that will not open: wrong key, wrong row, or tampered with."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def aad(table: str, row_id: object, owner: object) -> bytes:
    """Associated data binding a ciphertext to where it lives and whose it is."""
    return f"heard:{table}:{row_id}:{owner}".encode()


class DataCipher:
    """Encrypts and decrypts with one key. Layout: version(1) | nonce(12) | ciphertext+tag."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes, associated: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, associated)

    def decrypt(self, blob: bytes, associated: bytes) -> bytes:
        if len(blob) < 1 + _NONCE + 16 or blob[:1] != _VERSION:
            raise DecryptError("not a Heard ciphertext")
        try:
            return self._aead.decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], associated)
        except InvalidTag as exc:
            raise DecryptError("ciphertext does not match this key or this row") from exc

