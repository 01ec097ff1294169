"""Blobs in an S3-compatible bucket, through aiobotocore.

Credentials come from the standard AWS sources (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, a profile, or an instance role). Content of unknown length
is uploaded in parts, so at most one part is held in memory.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

# Neither ships type hints; the calls below go through Any on purpose.
from aiobotocore.session import get_session  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from desk_infra.blobs import (
    CHUNK_SIZE,
    BlobError,
    BlobNotFound,
    BlobTooLarge,
    _as_chunks,
    check_key,
)

PART_SIZE = 8 * 1024 * 1024
"""Above S3's 5 MiB minimum part size."""
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    """Blobs as objects under ``prefix`` in ``bucket``."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._options = {"endpoint_url": endpoint_url, "region_name": region}
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None
        self._lock = asyncio.Lock()

    def object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def _s3(self) -> Any:
        async with self._lock:
            if self._client is None:
                creator = get_session().create_client("s3", **self._options)
                self._client = await self._stack.enter_async_context(creator)
        return self._client

    async def put(
        self,
        key: str,
        chunks: AsyncIterable[bytes] | bytes,
        *,
        content_type: str | None = None,
        max_bytes: int | None = None,
    ) -> int:
        s3, name = await self._s3(), self.object_key(key)
        extra = {"ContentType": content_type} if content_type else {}
        parts = _parts(chunks, max_bytes)
        try:
            first = await anext(parts, b"")
            second = await anext(parts, None)
            if second is None:
                await s3.put_object(Bucket=self.bucket, Key=name, Body=first, **extra)
                return len(first)
            return await self._put_in_parts(s3, name, extra, first, second, parts)
        except ClientError as error:
            raise BlobError(f"cannot store {key}: {error}") from error

    async def _put_in_parts(
        self,
        s3: Any,
        name: str,
        extra: dict[str, str],
        first: bytes,
        second: bytes,
        rest: AsyncIterator[bytes],
    ) -> int:
        upload = await s3.create_multipart_upload(Bucket=self.bucket, Key=name, **extra)
        target = {"Bucket": self.bucket, "Key": name, "UploadId": upload["UploadId"]}
        done: list[dict[str, Any]] = []
        size = 0
        try:
            for body in (first, second):
                done.append(await self._upload_part(s3, target, len(done) + 1, body))
                size += len(body)
            async for body in rest:
                done.append(await self._upload_part(s3, target, len(done) + 1, body))
                size += len(body)
            await s3.complete_multipart_upload(
                **target, MultipartUpload={"Parts": done}
            )
        except BaseException:
            with contextlib.suppress(ClientError):
                await asyncio.shield(s3.abort_multipart_upload(**target))
            raise
        return size

    @staticmethod
    async def _upload_part(
        s3: Any, target: dict[str, str], number: int, body: bytes
    ) -> dict[str, Any]:
        answer = await s3.upload_part(**target, PartNumber=number, Body=body)
        return {"ETag": answer["ETag"], "PartNumber": number}

    async def open(self, key: str) -> AsyncIterator[bytes]:
        s3, name = await self._s3(), self.object_key(key)
        try:
            answer = await s3.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            raise _translated(error, key) from error
        return _streamed(answer["Body"])

    async def size(self, key: str) -> int:
        s3, name = await self._s3(), self.object_key(key)
        try:
            answer = await s3.head_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            raise _translated(error, key) from error
        return int(answer["ContentLength"])

    async def delete(self, key: str) -> None:
        s3, name = await self._s3(), self.object_key(key)
        try:
            await s3.delete_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            raise _translated(error, key) from error

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except BlobNotFound:
            return False
        return True

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None


async def _parts(
    chunks: AsyncIterable[bytes] | bytes, max_bytes: int | None
) -> AsyncIterator[bytes]:
    """The content regrouped into parts of PART_SIZE, refusing more than max_bytes."""
    buffer = bytearray()
    size = 0
    async for chunk in _as_chunks(chunks):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise BlobTooLarge(max_bytes)
        buffer += chunk
        while len(buffer) >= PART_SIZE:
            yield bytes(buffer[:PART_SIZE])
            del buffer[:PART_SIZE]
    if buffer or size == 0:
        yield bytes(buffer)


async def _streamed(body: Any) -> AsyncIterator[bytes]:
    async with body as stream:
        async for chunk in stream.iter_chunks(CHUNK_SIZE):
            yield chunk


def _translated(error: ClientError, key: str) -> BlobError:
    if error.response.get("Error", {}).get("Code") in _MISSING:
        return BlobNotFound(key)
    return BlobError(f"S3 refused {key}: {error}")
