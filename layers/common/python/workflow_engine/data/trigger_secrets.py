"""Trigger secrets at rest: encrypted with the stack's customer-managed KMS key (the one that encrypts the users'
secrets), never stored in clear.

Why KMS and not only the table's encryption at rest (how approval task tokens are kept, data/approvals.py): a
secret is a long-lived credential a third party holds, and anyone who may read the triggers table (a backup, an
export, a role with dynamodb:GetItem) would otherwise hold every trigger's key. With KMS, reading a secret also
takes kms:Decrypt on that key, which only the inbound webhook function has, and only for ciphertexts whose
encryption context says `purpose: webhook-trigger` (infra.constructs.secrets). The context also names the
trigger: a ciphertext copied onto another trigger's item does not decrypt. Cost: one Decrypt per inbound call.
"""

from __future__ import annotations

from typing import Any

PURPOSE = "webhook-trigger"


def encryption_context(trigger_id: str) -> dict[str, str]:
    return {"purpose": PURPOSE, "trigger_id": trigger_id}


class TriggerSecretBox:
    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    def seal(self, trigger_id: str, secret: str) -> bytes:
        response = self._kms.encrypt(
            KeyId=self._key_id, Plaintext=secret.encode(), EncryptionContext=encryption_context(trigger_id)
        )
        return bytes(response["CiphertextBlob"])

    def open(self, trigger_id: str, ciphertext: bytes) -> str:
        response = self._kms.decrypt(
            KeyId=self._key_id, CiphertextBlob=ciphertext, EncryptionContext=encryption_context(trigger_id)
        )
        return bytes(response["Plaintext"]).decode()
