"""Object stores (local folder, S3 via moto's server) and the crash-safe document object set."""

from __future__ import annotations

import uuid

import pytest

from core.documents.objects import DocumentObjects
from core.storage.local import LocalObjectStore
from core.storage.s3 import S3ObjectStore


@pytest.fixture
def s3_store(s3_endpoint):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    bucket = f"docs-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=bucket)
    return S3ObjectStore(bucket=bucket, prefix="team-a", client=client)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.services)])
def store(request, tmp_path):
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    return request.getfixturevalue("s3_store")


def test_put_get_exists_list_delete(store):
    assert store.get("pdf/abc/document.pdf") is None
    assert not store.exists("pdf/abc/document.pdf")
    store.put("pdf/abc/document.pdf", b"%PDF-1.7 bytes")
    store.put("pdf/abc/chunks.json", b"[]")
    store.put("pdf/abd/chunks.json", b"[1]")
    assert store.get("pdf/abc/document.pdf") == b"%PDF-1.7 bytes"
    assert store.exists("pdf/abc/chunks.json")
    assert store.list("pdf/abc/") == ["pdf/abc/chunks.json", "pdf/abc/document.pdf"]
    store.put("pdf/abc/chunks.json", b"[2]")  # overwrite
    assert store.get("pdf/abc/chunks.json") == b"[2]"
    store.delete_prefix("pdf/abc/")
    assert store.list("pdf/abc/") == []
    assert store.get("pdf/abd/chunks.json") == b"[1]"  # a neighbour with a similar name survives


def test_s3_keys_live_under_the_prefix(s3_store):
    s3_store.put("md/x/metadata.json", b"{}")
    listed = s3_store._client.list_objects_v2(Bucket=s3_store.bucket)["Contents"]
    assert [o["Key"] for o in listed] == ["team-a/md/x/metadata.json"]


def test_local_writes_leave_no_temp_files(tmp_path):
    store = LocalObjectStore(tmp_path)
    for i in range(3):
        store.put("txt/d/chunks.json", f"[{i}]".encode())
    assert sorted(p.name for p in (tmp_path / "txt" / "d").iterdir()) == ["chunks.json"]


def test_local_keys_cannot_escape_the_root(tmp_path):
    with pytest.raises(ValueError, match="escapes"):
        LocalObjectStore(tmp_path / "root").put("../outside", b"x")


class _CrashAfter:
    """An object store that dies (like a killed process) after `n` successful puts."""

    def __init__(self, inner, n: int) -> None:
        self.inner, self.left = inner, n

    def put(self, key, data):
        if self.left == 0:
            raise OSError("simulated crash")
        self.left -= 1
        self.inner.put(key, data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("crash_after", [0, 1, 2, 3])
def test_a_crash_mid_write_never_looks_complete(store, crash_after):
    objs = DocumentObjects(_CrashAfter(store, crash_after), "pdf", "d" * 64)
    with pytest.raises(OSError):
        objs.write_parsed(b"%PDF", b"[]")
        objs.write_vectors(b"npy", b"{}")
    assert not DocumentObjects(store, "pdf", "d" * 64).complete()
    assert not store.exists(f"pdf/{'d' * 64}/metadata.json")


def test_rewriting_a_set_removes_the_old_commit_marker_first(store):
    objs = DocumentObjects(store, "txt", "e" * 64)
    objs.write_parsed(b"a", b"[]")
    objs.write_vectors(b"npy", b"{}")
    assert objs.complete()
    with pytest.raises(OSError):
        DocumentObjects(_CrashAfter(store, 1), "txt", "e" * 64).write_parsed(b"b", b"[]")
    assert not objs.complete()  # the half-rewritten set is not mistaken for the old complete one
    objs.delete()
    assert store.list(objs.prefix) == []
