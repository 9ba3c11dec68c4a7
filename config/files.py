"""Where uploaded files are kept, read from the environment by settings.py: the local disk
(MEDIA_ROOT) unless STORAGE_S3_BUCKET names a bucket in an S3-compatible object store (AWS S3,
MinIO, Ceph), which every web instance shares where a disk is one machine's only."""

from django.core.exceptions import ImproperlyConfigured

LOCAL_DISK = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
ADDRESSING_STYLES = {"auto", "path", "virtual"}


def _get(environ, name, default=""):
    return environ.get(name, default).strip()


def default_storage(environ, *, max_memory_size):
    """STORAGES["default"] for `environ`. Objects read whole through the storage (not the
    download view, which streams) go to a temporary file past `max_memory_size` bytes."""
    bucket = _get(environ, "STORAGE_S3_BUCKET")
    if not bucket:
        return LOCAL_DISK
    addressing = _get(environ, "STORAGE_S3_ADDRESSING_STYLE").lower()
    if addressing and addressing not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"STORAGE_S3_ADDRESSING_STYLE must be auto, path or virtual; got {addressing!r}."
        )
    checksum = _get(environ, "STORAGE_S3_CHECKSUM_ALGORITHM", "SHA256").upper()
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # Empty for AWS itself; MinIO, Ceph or a test's moto server otherwise.
            "endpoint_url": _get(environ, "STORAGE_S3_ENDPOINT_URL") or None,
            "region_name": _get(environ, "STORAGE_S3_REGION") or None,
            # Unset keys leave boto3 to its own chain: AWS_* variables, a profile, a role.
            "access_key": _get(environ, "STORAGE_S3_ACCESS_KEY_ID") or None,
            "secret_key": _get(environ, "STORAGE_S3_SECRET_ACCESS_KEY") or None,
            # A folder in the bucket, so the bucket can hold other things (or other sites).
            "location": _get(environ, "STORAGE_S3_PREFIX").strip("/"),
            "addressing_style": addressing or None,
            "signature_version": "s3v4",
            # No ACL is sent: objects stay as private as the bucket, never public-read.
            "default_acl": None,
            # Any URL the store gives is signed and short-lived (core.storage.SIGNED_URL_SECONDS).
            "querystring_auth": True,
            "querystring_expire": 60,
            # A name already taken gets a new one: a stored file is never replaced by another.
            "file_overwrite": False,
            # The store checks each upload against this checksum and keeps it with the object;
            # empty for a store that does not support one.
            "object_parameters": {"ChecksumAlgorithm": checksum} if checksum else {},
            # django-storages' default, 0, would keep a file read whole in memory however large.
            "max_memory_size": max_memory_size,
        },
    }
