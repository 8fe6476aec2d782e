"""Object storage: S3-compatible (MinIO in production, moto in tests) or a local directory.

Keys are built by the library only (tenant prefix + random id), never taken from a client, but
the local store still refuses anything that would leave its root.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any, Protocol

from .config import Settings
from .errors import NotFound


class ObjectStore(Protocol):
    kind: str

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def get(self, key: str) -> bytes: ...
    async def delete(self, key: str) -> None: ...
    async def keys(self, prefix: str, older_than_s: float) -> list[str]: ...
    async def check(self) -> None: ...


class LocalStore:
    kind = "local"

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise NotFound("object not found")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)  # atomic: a reader never sees half an object

        await asyncio.to_thread(write)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise NotFound("object not found") from None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def keys(self, prefix: str, older_than_s: float) -> list[str]:
        """Keys under `prefix` last written more than `older_than_s` ago (for the garbage collector)."""

        def walk() -> list[str]:
            base, cutoff = self.root / prefix, time.time() - older_than_s
            if not base.is_dir():
                return []
            return [
                str(p.relative_to(self.root))
                for p in base.rglob("*")
                if p.is_file() and not p.name.endswith(".part") and p.stat().st_mtime < cutoff
            ]

        return await asyncio.to_thread(walk)

    async def check(self) -> None:
        probe = self.root / ".ready-probe"
        await asyncio.to_thread(probe.write_bytes, b"ok")


class S3Store:
    kind = "s3"

    def __init__(self, settings: Settings, timeout_s: float = 5.0):
        import boto3
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        key_id = settings.s3_access_key_id.get_secret_value() if settings.s3_access_key_id else None
        secret = settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            region_name=settings.s3_region,
            config=Config(
                connect_timeout=timeout_s,
                read_timeout=timeout_s,
                retries={"max_attempts": 2, "mode": "standard"},
                s3={"addressing_style": "path"},
            ),
        )

    async def ensure_bucket(self) -> None:
        def create() -> None:
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except Exception:  # noqa: BLE001 - any miss: try to create, the error surfaces below
                self.client.create_bucket(Bucket=self.bucket)

        await asyncio.to_thread(create)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
        )

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            try:
                obj = self.client.get_object(Bucket=self.bucket, Key=key)
            except self.client.exceptions.NoSuchKey:
                raise NotFound("object not found") from None
            body: bytes = obj["Body"].read()
            return body

        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)

    async def keys(self, prefix: str, older_than_s: float) -> list[str]:
        def walk() -> list[str]:
            cutoff = time.time() - older_than_s
            out = []
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                out += [o["Key"] for o in page.get("Contents", ()) if o["LastModified"].timestamp() < cutoff]
            return out

        return await asyncio.to_thread(walk)

    async def check(self) -> None:
        await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)


def build_store(settings: Settings) -> ObjectStore:
    if settings.s3_endpoint_url or settings.s3_bucket:
        if not settings.s3_bucket:
            raise ValueError("S3_ENDPOINT_URL is set but S3_BUCKET is not")
        return S3Store(settings, timeout_s=settings.ready_check_timeout_s * 2)
    return LocalStore(settings.agent_data_dir / "objects")
