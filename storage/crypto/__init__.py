"""Envelope encryption for everything a young person says.

A key-encryption key (KEK) from the master key file wraps one AES-256-GCM data key
per young person. Ciphertexts carry associated data naming their table, row and
owner, so a ciphertext copied to another row does not decrypt. Deleting a data key
erases everything encrypted with it (crypto-shredding).
"""

from storage.crypto.cipher import DataCipher, DecryptError, aad, new_data_key
from storage.crypto.keyring import Keyring, MasterKeyError

__all__ = ["DataCipher", "DecryptError", "Keyring", "MasterKeyError", "aad", "new_data_key"]
