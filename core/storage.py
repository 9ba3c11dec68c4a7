"""Read stored files through Django's storage API, whatever holds them: the local disk, or an
S3-compatible object store through django-storages. Only the S3 store needs more than the API
itself gives: django-storages' `open` copies a whole object down before the first byte can be
read, and a download should start at once and hold one block at a time."""

from django.utils.http import content_disposition_header

# Long enough for a browser to follow the redirect it was just given; too short to be of use
# to anyone the link is passed on to.
SIGNED_URL_SECONDS = 60


def is_object_store(storage):
    """Whether `storage` is django-storages' S3 backend (or built on it)."""
    # By name, so the local disk never loads boto3; `__class__`, not type(): default_storage is
    # a lazy proxy whose __class__ is that of the storage behind it.
    return any(
        cls.__module__ == "storages.backends.s3" and cls.__name__ == "S3Storage"
        for cls in storage.__class__.__mro__
    )


class StoredStream:
    """An object store's reply, read a block at a time, with the object's size, which
    FileResponse cannot work out for a stream and sends as Content-Length."""

    def __init__(self, body, size):
        self._body = body
        self.size = size

    def read(self, amount=-1):
        return self._body.read(None if amount is None or amount < 0 else amount)

    def close(self):
        self._body.close()


def open_stored(storage, name):
    """Open the stored file `name` to be read from its start, a block at a time. Raises
    FileNotFoundError when the store has no such file (or it went between looking and reading).
    """
    if not is_object_store(storage):
        return storage.open(name, "rb")
    from botocore.exceptions import ClientError

    # Opening django-storages' S3File only asks for the object's details (a 404 there is a
    # FileNotFoundError); its `obj` then reads the body as it arrives, instead of the copy of
    # the whole object that reading the S3File would make first.
    handle = storage.open(name, "rb")
    try:
        reply = handle.obj.get()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
            raise FileNotFoundError(name) from None
        raise
    return StoredStream(reply["Body"], reply["ContentLength"])


def signed_download_url(storage, name, *, filename, content_type):
    """A URL at which the object store itself serves `name` for SIGNED_URL_SECONDS, as an
    attachment called `filename` with `content_type`; None for a store that cannot sign URLs
    (the local disk), which streams instead. Raises FileNotFoundError when there is no such file,
    so a missing file is a 404 here and not an error page from the store."""
    if not is_object_store(storage):
        return None
    if not storage.exists(name):
        raise FileNotFoundError(name)
    return storage.url(
        name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
        },
        expire=SIGNED_URL_SECONDS,
    )
