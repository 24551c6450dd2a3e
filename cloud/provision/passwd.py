"""Mosquitto's own password-file hash (`$7$`: PBKDF2-SHA512, as `mosquitto_passwd` writes it).

Mosquitto ≥ 2.0 reads `username:$7$<iterations>$<salt base64>$<hash base64>` lines; the hash is
PBKDF2-HMAC-SHA512 of the password with a 12-byte salt, 64 bytes long.
"""

import base64
import hashlib
import hmac
import secrets

ITERATIONS = 101  # mosquitto_passwd's default
SALT_BYTES = 12


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """The `$7$…` hash of a password (random salt unless given)."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, hashed: str) -> bool:
    """True when `password` matches a `$7$` hash."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False
    salt = base64.b64decode(parts[3])
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]), 64)
    return hmac.compare_digest(base64.b64encode(digest).decode(), parts[4])


def password_file(entries: dict[str, str]) -> str:
    """The text of a password file: `username:hash` per line, sorted by username."""
    return "".join(f"{user}:{hashed}\n" for user, hashed in sorted(entries.items()))
