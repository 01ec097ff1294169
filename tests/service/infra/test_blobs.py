"""The blob stores: a local directory, and an S3 bucket (a moto S3 server over HTTP).

Both must keep what they are given, stream it back, refuse content over the limit
leaving nothing behind, and never let a key leave their root.
"""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiobotocore.session  # type: ignore[import-untyped]  # no type hints shipped
import pytest
from desk_infra.blobs import (
    BlobNotFound,
    BlobStore,
    BlobTooLarge,
    InvalidBlobKey,
    LocalBlobStore,
    blob_store_from_settings,
)
from desk_infra.s3_blobs import PART_SIZE, S3BlobStore
from desk_infra.settings import ServiceSettings
from moto.server import ThreadedMotoServer

from tests.conftest import unique

MB = 1024 * 1024


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


async def _new_bucket(endpoint: str) -> str:
    bucket = unique("desk-blobs").lower().replace("_", "-")
    session = aiobotocore.session.get_session()
    async with session.create_client(
        "s3", endpoint_url=endpoint, region_name="us-east-1"
    ) as s3:
        await s3.create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["local", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: str
) -> AsyncIterator[BlobStore]:
    made: BlobStore
    if request.param == "local":
        made = LocalBlobStore(tmp_path)
    else:
        bucket = await _new_bucket(s3_endpoint)
        made = S3BlobStore(
            bucket, prefix="tickets", endpoint_url=s3_endpoint, region="us-east-1"
        )
    yield made
    await made.close()


async def _chunks(total: int, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        piece = bytes([sent // size % 251]) * min(size, total - sent)
        sent += len(piece)
        yield piece


async def _read(store: BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


async def test_what_is_put_comes_back(store: BlobStore) -> None:
    size = await store.put("t1/ticket/a", b"hello", content_type="text/plain")

    assert size == 5
    assert await _read(store, "t1/ticket/a") == b"hello"
    assert await store.size("t1/ticket/a") == 5
    assert await store.exists("t1/ticket/a")


async def test_a_stream_larger_than_a_part_is_stored_whole(store: BlobStore) -> None:
    total = PART_SIZE * 2 + 12345
    expected = b"".join([c async for c in _chunks(total)])

    size = await store.put("t1/ticket/big", _chunks(total), max_bytes=total)

    assert size == total
    assert await _read(store, "t1/ticket/big") == expected


@pytest.mark.parametrize("limit", [MB, PART_SIZE * 2])
async def test_content_over_the_limit_is_refused_and_nothing_is_kept(
    store: BlobStore, limit: int
) -> None:
    with pytest.raises(BlobTooLarge):
        await store.put("t1/ticket/huge", _chunks(limit + MB), max_bytes=limit)

    assert not await store.exists("t1/ticket/huge")


async def test_deleted_blobs_are_gone(store: BlobStore) -> None:
    await store.put("t1/ticket/gone", b"bye")

    await store.delete("t1/ticket/gone")
    await store.delete("t1/ticket/gone")

    assert not await store.exists("t1/ticket/gone")
    with pytest.raises(BlobNotFound):
        await store.open("t1/ticket/gone")
    with pytest.raises(BlobNotFound):
        await store.size("t1/ticket/gone")


@pytest.mark.parametrize(
    "key",
    ["../escape", "a/../../b", "/absolute", "a//b", ".hidden", "a/.incoming/x", ""],
)
async def test_keys_that_could_leave_the_root_are_refused(
    store: BlobStore, key: str
) -> None:
    with pytest.raises(InvalidBlobKey):
        await store.put(key, b"x")


async def test_the_local_store_leaves_no_scratch_file(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)

    await store.put("t/k", b"x" * 1000)
    with pytest.raises(BlobTooLarge):
        await store.put("t/k2", _chunks(3 * MB), max_bytes=MB)

    assert _files(tmp_path) == [Path("t/k")]


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_the_url_setting_picks_the_store(tmp_path: Path) -> None:
    local = blob_store_from_settings(ServiceSettings(blob_url=f"file://{tmp_path}"))
    bucket = blob_store_from_settings(
        ServiceSettings(blob_url="s3://desk/attachments", s3_endpoint_url="http://x")
    )

    assert isinstance(local, LocalBlobStore)
    assert local.root == tmp_path.resolve()
    assert isinstance(bucket, S3BlobStore)
    assert (bucket.bucket, bucket.prefix) == ("desk", "attachments")
    with pytest.raises(ValueError, match="DESK_BLOB_URL"):
        blob_store_from_settings(ServiceSettings(blob_url="ftp://nope"))
