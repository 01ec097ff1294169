"""Blob storage: attachment bytes kept outside the database.

Keys are relative, slash-separated names (``tenant/ticket/uuid``) of letters, digits,
``.``, ``_`` and ``-``; no part may start with a dot, so no key can leave its root.

Errors::

    BlobError
     ├── BlobTooLarge     more bytes than ``max_bytes``; nothing was kept
     ├── BlobNotFound     no blob under the key
     └── InvalidBlobKey   a key that is not a safe relative name
"""

import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import anyio

if TYPE_CHECKING:
    from desk_infra.settings import ServiceSettings

CHUNK_SIZE = 64 * 1024
_PART = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
_KEY = re.compile(rf"{_PART}(/{_PART})*")
_MAX_KEY_LENGTH = 512


class BlobError(Exception):
    """Something went wrong storing or reading a blob."""


class BlobTooLarge(BlobError):
    """The content is longer than the limit it was stored with."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"content exceeds {limit} bytes")
        self.limit = limit


class BlobNotFound(BlobError):
    """No blob is stored under the key."""


class InvalidBlobKey(BlobError, ValueError):
    """The key is not a safe relative name."""


class BlobStore(Protocol):
    """Where attachment bytes live: a local directory or an S3-compatible bucket."""

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes] | bytes,
        *,
        content_type: str | None = None,
        max_bytes: int | None = None,
    ) -> int:
        """Store the content under ``key`` and return its size in bytes."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The content in chunks; raises ``BlobNotFound`` before any byte is read."""
        ...

    async def size(self, key: str) -> int: ...

    async def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing blob is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def close(self) -> None: ...


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative name, else raise ``InvalidBlobKey``."""
    if len(key) > _MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidBlobKey(f"unsafe blob key {key!r}")
    return key


async def _as_chunks(content: AsyncIterable[bytes] | bytes) -> AsyncIterator[bytes]:
    if isinstance(content, bytes | bytearray | memoryview):
        view = memoryview(content)
        for start in range(0, len(view), CHUNK_SIZE):
            yield bytes(view[start : start + CHUNK_SIZE])
        return
    async for chunk in content:
        if chunk:
            yield chunk


class LocalBlobStore:
    """Blobs as files under ``root``; each is written aside, then renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._scratch = self.root / ".incoming"

    def path_of(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes] | bytes,
        *,
        content_type: str | None = None,
        max_bytes: int | None = None,
    ) -> int:
        target = self.path_of(key)
        scratch = self._scratch / f"{uuid.uuid4().hex}.part"
        if isinstance(chunks, bytes):
            # Bytes in hand are written in one worker-thread call: a hop per chunk,
            # flush, fsync and rename cost more CPU than the write itself.
            await anyio.to_thread.run_sync(
                self._put_bytes, target, scratch, chunks, max_bytes
            )
            return len(chunks)
        await anyio.to_thread.run_sync(self._make_dirs, target.parent)
        try:
            size = await self._write(scratch, chunks, max_bytes)
            await anyio.to_thread.run_sync(os.replace, scratch, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                scratch.unlink()
            raise
        return size

    def _put_bytes(
        self, target: Path, scratch: Path, data: bytes, max_bytes: int | None
    ) -> None:
        if max_bytes is not None and len(data) > max_bytes:
            raise BlobTooLarge(max_bytes)
        self._make_dirs(target.parent)
        try:
            with scratch.open("wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(scratch, target)
        except BaseException:
            scratch.unlink(missing_ok=True)
            raise

    def _make_dirs(self, parent: Path) -> None:
        self._scratch.mkdir(parents=True, exist_ok=True)
        parent.mkdir(parents=True, exist_ok=True)

    async def _write(
        self, scratch: Path, chunks: AsyncIterable[bytes] | bytes, max_bytes: int | None
    ) -> int:
        size = 0
        async with await anyio.open_file(scratch, "wb") as file:
            async for chunk in _as_chunks(chunks):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                await file.write(chunk)
            await file.flush()
            await anyio.to_thread.run_sync(os.fsync, file.wrapped.fileno())
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            file = await anyio.open_file(path, "rb")
        except FileNotFoundError as error:
            raise BlobNotFound(key) from error
        return self._read(file)

    @staticmethod
    async def _read(file: Any) -> AsyncIterator[bytes]:
        async with file:
            while chunk := await file.read(CHUNK_SIZE):
                yield chunk

    async def size(self, key: str) -> int:
        try:
            stat = await anyio.Path(self.path_of(key)).stat()
        except FileNotFoundError as error:
            raise BlobNotFound(key) from error
        return stat.st_size

    async def delete(self, key: str) -> None:
        await anyio.Path(self.path_of(key)).unlink(missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await anyio.Path(self.path_of(key)).is_file()

    async def close(self) -> None:
        """Nothing to release; present so both stores close the same way."""


def blob_store_from_settings(settings: "ServiceSettings") -> BlobStore:
    """The store ``DESK_BLOB_URL`` names: ``file://<path>`` or ``s3://bucket/prefix``."""
    url = settings.blob_url
    if url.startswith("file://"):
        return LocalBlobStore(Path(url.removeprefix("file://")))
    if url.startswith("s3://"):
        from desk_infra.s3_blobs import (
            S3BlobStore,
        )  # botocore loads slowly; only if used

        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        return S3BlobStore(
            bucket,
            prefix=prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
        )
    raise ValueError(f"DESK_BLOB_URL must start with file:// or s3://, not {url!r}")
