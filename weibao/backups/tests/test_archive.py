"""The encrypted container: what is written reads back; every alteration fails at its chunk."""

from __future__ import annotations

import io
import os

import pytest

from weibao.backups.archive import (
    CHUNK,
    MAGIC,
    ArchiveError,
    DecryptingReader,
    EncryptingWriter,
    Passphrase,
    Recipient,
    keypair,
    parse_key,
)

KEY = Passphrase(b"a long enough passphrase")


def seal(data: bytes, key=KEY, pieces: int = 7) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, key)
    step = max(1, len(data) // pieces)
    for i in range(0, len(data), step):
        writer.write(data[i : i + step])
    writer.close()
    return out.getvalue()


def read(blob: bytes, key=KEY) -> bytes:
    return DecryptingReader(io.BytesIO(blob), key).read()


def chunks(blob: bytes) -> list[tuple[int, int]]:
    """(start, end) of each chunk's ciphertext."""
    pos = len(MAGIC) + 4 + int.from_bytes(blob[len(MAGIC) : len(MAGIC) + 4], "big")
    spans = []
    while pos < len(blob):
        length = int.from_bytes(blob[pos : pos + 4], "big")
        spans.append((pos + 4, pos + 4 + length))
        pos += 4 + length
    return spans


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_what_is_written_reads_back(size):
    data = os.urandom(size)
    blob = seal(data)
    assert read(blob) == data
    assert len(chunks(blob)) == max(1, -(-size // CHUNK))
    assert size < 64 or data[:64] not in blob


def test_a_recipient_key_pair():
    private, public = keypair()
    data = os.urandom(CHUNK + 5)
    blob = seal(data, Recipient(public=parse_key(public)))
    assert read(blob, Recipient(private=parse_key(private))) == data
    other, _ = keypair()
    with pytest.raises(ArchiveError, match="chunk 0 fails"):
        read(blob, Recipient(private=parse_key(other)))
    with pytest.raises(ArchiveError, match="give the private key"):
        read(blob, KEY)


def test_a_wrong_passphrase_fails_at_the_first_chunk():
    with pytest.raises(ArchiveError, match="chunk 0 fails authentication"):
        read(seal(b"secret"), Passphrase(b"another passphrase"))


def test_each_alteration_is_named():
    data = os.urandom(3 * CHUNK + 100)
    blob = seal(data)
    spans = chunks(blob)
    flipped = bytearray(blob)
    flipped[spans[2][0] + 10] ^= 0x80
    with pytest.raises(ArchiveError) as caught:
        read(bytes(flipped))
    assert caught.value.chunk == 2 and "chunk 2 fails authentication" in str(caught.value)

    # Two chunks swapped: both are intact, but each sits at the wrong number.
    a, b = spans[1], spans[2]
    swapped = blob[: a[0] - 4] + blob[b[0] - 4 : b[1]] + blob[a[0] - 4 : a[1]] + blob[b[1] :]
    with pytest.raises(ArchiveError, match="chunk 1 fails"):
        read(swapped)

    # Cut after a chunk boundary: the last chunk's flag is missing.
    with pytest.raises(ArchiveError, match="cut short before chunk 3"):
        read(blob[: spans[2][1]])
    # The header (associated data of every chunk) altered.
    header = bytearray(blob)
    header[len(MAGIC) + 6] ^= 0x01
    with pytest.raises(ArchiveError):
        read(bytes(header))
    with pytest.raises(ArchiveError, match="data follows the last chunk"):
        read(blob + b"x")
    with pytest.raises(ArchiveError, match="not a Weibao backup"):
        read(b"PK" + blob[2:])
