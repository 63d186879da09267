"""The encrypted container a backup is written in (no Django here).

A backup holds the keys, so the whole file is encrypted. Layout::

    MAGIC (16 bytes) | header length (4 bytes, big-endian) | header (JSON)
    | chunk length (4 bytes) | chunk ciphertext | chunk length | chunk ciphertext | ...

The header says how the file key was made: ``scrypt`` from a passphrase (salt and cost in the
header), or ``x25519`` for a recipient's public key (an ephemeral public key in the header; the
recipient's private key gives the same shared secret). Each chunk is AES-256-GCM over at most
``CHUNK`` bytes of plaintext; its nonce is a random prefix, the chunk's number and a last-chunk
flag, and the header is its associated data, so a reordered, dropped, truncated or altered chunk
and an altered header all fail authentication, at the chunk that was touched. Memory use is one
chunk, whatever the size of the media folder.
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"WEIBAO-BACKUP-1\n"
CHUNK = 1024 * 1024
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_LEN = struct.Struct(">I")
_TAG = 16


class ArchiveError(Exception):
    """The archive cannot be read: wrong key, damaged or altered. ``chunk`` is the number of the
    chunk that failed (None when the header itself is at fault)."""

    def __init__(self, message: str, *, chunk: int | None = None) -> None:
        super().__init__(message)
        self.chunk = chunk


@dataclass(frozen=True)
class Passphrase:
    secret: bytes


@dataclass(frozen=True)
class Recipient:
    """Encrypt to the holder of a private key: ``public`` for writing, ``private`` for reading."""

    public: bytes | None = None
    private: bytes | None = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)


def keypair() -> tuple[str, str]:
    """A new recipient key pair as base64 text: ``(private, public)``."""
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64(raw_private), _b64(raw_public)


def parse_key(text: str) -> bytes:
    """A 32-byte key written as base64 (what :func:`keypair` prints)."""
    try:
        raw = _unb64(text.strip())
    except ValueError as exc:
        raise ArchiveError("the key is not base64") from exc
    if len(raw) != 32:
        raise ArchiveError("the key is not 32 bytes")
    return raw


def _scrypt(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret)


def _hkdf(shared: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"weibao-backup-1").derive(shared)


def _new_header(key: Passphrase | Recipient) -> tuple[dict, bytes]:
    header: dict = {"cipher": "AES-256-GCM", "chunk": CHUNK, "nonce": _b64(os.urandom(7))}
    if isinstance(key, Passphrase):
        salt = os.urandom(16)
        header.update(kdf="scrypt", salt=_b64(salt), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
        return header, _scrypt(key.secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    if key.public is None:
        raise ArchiveError("a recipient's public key is needed to write")
    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(key.public))
    header.update(kdf="x25519", ephemeral=_b64(eph_public), recipient=_b64(key.public))
    return header, _hkdf(shared, eph_public + key.public)


def _file_key(header: dict, key: Passphrase | Recipient) -> bytes:
    try:
        if header["kdf"] == "scrypt":
            if not isinstance(key, Passphrase):
                raise ArchiveError("this archive is encrypted with a passphrase")
            return _scrypt(
                key.secret, _unb64(header["salt"]), int(header["n"]), int(header["r"]), int(header["p"])
            )
        if header["kdf"] == "x25519":
            if not isinstance(key, Recipient) or key.private is None:
                raise ArchiveError("this archive is encrypted to a public key: give the private key")
            private = X25519PrivateKey.from_private_bytes(key.private)
            eph_public = _unb64(header["ephemeral"])
            recipient = _unb64(header["recipient"])
            shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
            return _hkdf(shared, eph_public + recipient)
    except (KeyError, ValueError, TypeError) as exc:
        raise ArchiveError("the archive's header is damaged") from exc
    raise ArchiveError(f"unknown key derivation {header.get('kdf')!r}")


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """A write-only file object: what is written is encrypted chunk by chunk into ``out``."""

    def __init__(self, out: BinaryIO, key: Passphrase | Recipient) -> None:
        header, file_key = _new_header(key)
        self._header = json.dumps(header, sort_keys=True).encode()
        self._aead = AESGCM(file_key)
        self._prefix = _unb64(header["nonce"])
        self._out = out
        self._buffer = bytearray()
        self._index = 0
        out.write(MAGIC + _LEN.pack(len(self._header)) + self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is flagged
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), plain, self._header)
        self._out.write(_LEN.pack(len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._out.flush()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A read-only file object over an archive written by :class:`EncryptingWriter`. A chunk
    that fails authentication raises :class:`ArchiveError` with its number; so does a file that
    ends before its last chunk or goes on after it."""

    def __init__(self, source: BinaryIO, key: Passphrase | Recipient) -> None:
        if source.read(len(MAGIC)) != MAGIC:
            raise ArchiveError("not a Weibao backup (or the first bytes were altered)")
        raw_len = source.read(4)
        if len(raw_len) != 4:
            raise ArchiveError("the archive ends inside its header")
        (length,) = _LEN.unpack(raw_len)
        if length > 64 * 1024:
            raise ArchiveError("the archive's header is damaged")
        self._header = source.read(length)
        try:
            header = json.loads(self._header)
            self._prefix = _unb64(header["nonce"])
            self.chunk_size = int(header["chunk"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ArchiveError("the archive's header is damaged") from exc
        self.kdf = header.get("kdf")
        self._aead = AESGCM(_file_key(header, key))
        self._source = source
        self._plain = b""
        self._pos = 0
        self.index = 0  # the number of the next chunk to read
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        index = self.index
        raw_len = self._source.read(4)
        if len(raw_len) < 4:
            raise ArchiveError(f"the archive is cut short before chunk {index}", chunk=index)
        (length,) = _LEN.unpack(raw_len)
        if length < _TAG or length > self.chunk_size + _TAG:
            raise ArchiveError(f"chunk {index} is damaged (its length is wrong)", chunk=index)
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise ArchiveError(f"the archive is cut short in chunk {index}", chunk=index)
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._prefix, index, last), sealed, self._header)
            except InvalidTag:
                continue
            self._plain, self._pos, self.index = plain, 0, index + 1
            if last:
                self._done = True
                if self._source.read(1):
                    raise ArchiveError(f"data follows the last chunk ({index})", chunk=index + 1)
            return
        if index == 0:
            raise ArchiveError("chunk 0 fails authentication: wrong key, or the archive was altered", chunk=0)
        raise ArchiveError(f"chunk {index} fails authentication: the archive was altered", chunk=index)

    def readinto(self, buffer) -> int:
        while self._pos >= len(self._plain):
            if self._done:
                return 0
            self._next_chunk()
        n = min(len(buffer), len(self._plain) - self._pos)
        buffer[:n] = self._plain[self._pos : self._pos + n]
        self._pos += n
        return n

    def drain(self) -> None:
        """Read to the end (authenticating every remaining chunk)."""
        while not self._done:
            self._next_chunk()
