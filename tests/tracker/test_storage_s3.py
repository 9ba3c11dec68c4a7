"""Uploaded evidence in an S3-compatible object store (moto stands in for it): stored under the
bucket's folder, never over another file, and downloaded only through the checked view, as a
stream or as a short-lived signed link."""

import runpy
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.urls import reverse
from moto import mock_aws
from storages.backends.s3 import S3File

from core.storage import SIGNED_URL_SECONDS, StoredStream, open_stored
from tests.tracker.test_evidence import PDF, create_url, form_data
from tracker.models import Evidence

pytestmark = pytest.mark.django_db

BUCKET = "evidence-test"
PREFIX = "site-a/uploads"
REGION = "eu-west-2"
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"
S3_ENV = {
    "STORAGE_S3_BUCKET": BUCKET,
    "STORAGE_S3_REGION": REGION,
    "STORAGE_S3_PREFIX": f"/{PREFIX}/",
    "STORAGE_S3_ACCESS_KEY_ID": "testing",
    "STORAGE_S3_SECRET_ACCESS_KEY": "testing",
}


def settings_with(monkeypatch, **env):
    """The project's settings as they come out of `env`, read afresh (not the running ones)."""
    monkeypatch.setenv("DEBUG", "1")
    for name in ("STORAGE_S3_BUCKET", "STORAGE_S3_SIGNED_DOWNLOADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@contextmanager
def object_store(settings, monkeypatch):
    """A bucket in moto, and the project's own S3 settings (from S3_ENV) in force."""
    configured = settings_with(monkeypatch, **S3_ENV)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        settings.STORAGES = {**settings.STORAGES, "default": configured["STORAGES"]["default"]}
        yield client


@pytest.fixture
def s3(settings, monkeypatch):
    with object_store(settings, monkeypatch) as client:
        yield client


@pytest.fixture
def signed(settings, s3):
    settings.STORAGE_S3_SIGNED_DOWNLOADS = True
    return s3


def upload(client, apprenticeship, name="Notes.pdf", content=PDF):
    response = client.post(
        create_url(apprenticeship),
        form_data(apprenticeship, attachment=SimpleUploadedFile(name, content)),
    )
    assert response.status_code == 302
    return Evidence.objects.latest("pk")


def file_url(evidence):
    return reverse("tracker:evidence-file", kwargs={"pk": evidence.pk})


# --- settings ---------------------------------------------------------------------------------


def test_the_local_disk_is_the_default(monkeypatch):
    configured = settings_with(monkeypatch)
    assert configured["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    assert configured["STORAGE_S3_SIGNED_DOWNLOADS"] is False


def test_a_bucket_switches_to_a_private_s3_store_that_never_overwrites(monkeypatch):
    configured = settings_with(
        monkeypatch,
        **S3_ENV,
        STORAGE_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        STORAGE_S3_ADDRESSING_STYLE="Path",
    )
    default = configured["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == BUCKET
    assert options["location"] == PREFIX
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["region_name"] == REGION
    assert options["addressing_style"] == "path"
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert options["querystring_expire"] <= 60
    assert options["object_parameters"] == {"ChecksumAlgorithm": "SHA256"}


def test_without_keys_boto3_finds_its_own_credentials(monkeypatch):
    env = {**S3_ENV, "STORAGE_S3_ACCESS_KEY_ID": "", "STORAGE_S3_SECRET_ACCESS_KEY": ""}
    options = settings_with(monkeypatch, **env)["STORAGES"]["default"]["OPTIONS"]
    assert options["access_key"] is None
    assert options["secret_key"] is None
    assert options["endpoint_url"] is None


def test_a_store_without_checksums_can_turn_them_off(monkeypatch):
    configured = settings_with(monkeypatch, **S3_ENV, STORAGE_S3_CHECKSUM_ALGORITHM="")
    assert configured["STORAGES"]["default"]["OPTIONS"]["object_parameters"] == {}


@pytest.mark.parametrize(
    "env",
    [
        {**S3_ENV, "STORAGE_S3_ADDRESSING_STYLE": "sideways"},
        {"STORAGE_S3_SIGNED_DOWNLOADS": "1"},
        {**S3_ENV, "STORAGE_S3_SIGNED_DOWNLOADS": "maybe"},
    ],
)
def test_bad_settings_stop_the_start(monkeypatch, env):
    with pytest.raises(ImproperlyConfigured):
        settings_with(monkeypatch, **env)


# --- uploads ----------------------------------------------------------------------------------


def test_an_upload_goes_to_the_bucket_under_its_folder(s3, as_apprentice, apprenticeship):
    evidence = upload(as_apprentice, apprenticeship)
    key = f"{PREFIX}/{evidence.attachment.name}"
    assert [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [key]
    stored = s3.get_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert stored["Body"].read() == PDF
    assert stored["ContentType"] == "application/pdf"
    assert stored.get("ChecksumSHA256")
    # Private: the owner alone, no grant to everyone.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert not [grant for grant in grants if "URI" in grant["Grantee"]]


def test_a_name_already_taken_is_never_overwritten(s3):
    first = default_storage.save("evidence/report.pdf", ContentFile(b"%PDF-first"))
    second = default_storage.save("evidence/report.pdf", ContentFile(b"%PDF-second"))
    assert first == "evidence/report.pdf"
    assert second != first
    assert s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{first}")["Body"].read() == b"%PDF-first"
    assert s3.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{second}")["Body"].read() == b"%PDF-second"


def test_replacing_and_deleting_evidence_removes_its_objects(s3, as_apprentice, apprenticeship):
    evidence = upload(as_apprentice, apprenticeship)
    old_key = f"{PREFIX}/{evidence.attachment.name}"
    as_apprentice.post(
        reverse("tracker:evidence-update", kwargs={"pk": evidence.pk}),
        form_data(apprenticeship, attachment=SimpleUploadedFile("New.pdf", PDF + b"%new")),
    )
    evidence.refresh_from_db()
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"{PREFIX}/{evidence.attachment.name}"] != [old_key]
    as_apprentice.post(reverse("tracker:evidence-delete", kwargs={"pk": evidence.pk}))
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


# --- streamed downloads -----------------------------------------------------------------------


def test_download_streams_byte_for_byte_to_those_allowed(
    s3, client, apprenticeship, apprentice, mentor, other_apprentice, other_manager, monkeypatch
):
    content = PDF + bytes(range(256)) * 4096 * 3  # 3 MB: several blocks
    client.force_login(apprentice)
    evidence = upload(client, apprenticeship, "My report.pdf", content)

    def whole_copy(self):
        raise AssertionError("the whole object was copied down before the download began")

    # django-storages' S3File reads by copying the whole object first: the view never does.
    monkeypatch.setattr(S3File, "_get_file", whole_copy)
    for user in (apprentice, mentor):
        client.force_login(user)
        response = client.get(file_url(evidence))
        assert response.status_code == 200
        chunks = list(response.streaming_content)
        assert max(len(chunk) for chunk in chunks) <= FileResponse.block_size
        assert b"".join(chunks) == content
        assert response["Content-Length"] == str(len(content))
        assert response["Content-Type"] == "application/pdf"
        assert 'attachment; filename="My report.pdf"' in response["Content-Disposition"]
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        assert client.get(file_url(evidence)).status_code == 404


def test_the_object_store_is_read_as_a_stream_and_the_local_disk_as_a_file(s3, settings, media):
    name = default_storage.save("evidence/a.pdf", ContentFile(PDF))
    stream = open_stored(default_storage, name)
    assert isinstance(stream, StoredStream)
    assert stream.size == len(PDF)
    assert stream.read(5) + stream.read() == PDF
    stream.close()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    name = default_storage.save("evidence/a.pdf", ContentFile(PDF))
    with open_stored(default_storage, name) as handle:
        assert not isinstance(handle, StoredStream)
        assert handle.read() == PDF
    with pytest.raises(FileNotFoundError):
        open_stored(default_storage, "evidence/none.pdf")


def test_a_missing_object_is_a_404(s3, as_apprentice, apprenticeship):
    evidence = upload(as_apprentice, apprenticeship)
    s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{evidence.attachment.name}")
    assert as_apprentice.get(file_url(evidence)).status_code == 404


def test_an_object_gone_between_looking_and_reading_is_a_404(
    s3, as_apprentice, apprenticeship, monkeypatch
):
    evidence = upload(as_apprentice, apprenticeship)
    storage_open = type(default_storage._wrapped).open

    def open_then_lose_it(self, name, mode="rb"):
        handle = storage_open(self, name, mode)
        s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{name}")
        return handle

    monkeypatch.setattr(type(default_storage._wrapped), "open", open_then_lose_it)
    assert as_apprentice.get(file_url(evidence)).status_code == 404


def test_a_store_that_fails_is_an_error_not_a_missing_file(s3, as_apprentice, apprenticeship):
    """A 404 would hide a broken store (here, one refusing access) as if the file were gone."""
    evidence = upload(as_apprentice, apprenticeship)

    def refuse(**kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "No"}}, "GetObject")

    events = default_storage.connection.meta.client.meta.events
    events.register("before-call.s3.GetObject", refuse)
    as_apprentice.raise_request_exception = True
    with pytest.raises(ClientError, match="AccessDenied"):
        as_apprentice.get(file_url(evidence))


# --- signed downloads -------------------------------------------------------------------------


def test_signed_mode_redirects_those_allowed_to_a_link_that_expires_in_a_minute(
    signed, client, apprenticeship, apprentice, mentor
):
    client.force_login(apprentice)
    evidence = upload(client, apprenticeship, "My report.pdf")
    for user in (apprentice, mentor):
        client.force_login(user)
        response = client.get(file_url(evidence))
        assert response.status_code == 302
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        link = urlsplit(response["Location"])
        query = parse_qs(link.query)
        assert link.path.endswith(f"/{PREFIX}/{evidence.attachment.name}")
        assert int(query["X-Amz-Expires"][0]) == SIGNED_URL_SECONDS <= 60
        assert query["X-Amz-Signature"]
        assert query["response-content-disposition"] == ['attachment; filename="My report.pdf"']
        assert query["response-content-type"] == ["application/pdf"]


def test_signed_mode_checks_permission_before_any_link(
    signed, client, apprenticeship, apprentice, other_apprentice, other_manager
):
    client.force_login(apprentice)
    evidence = upload(client, apprenticeship)
    for user in (other_apprentice, other_manager):
        client.force_login(user)
        response = client.get(file_url(evidence))
        assert response.status_code == 404
        assert "X-Amz" not in response.get("Location", "")
    client.logout()
    response = client.get(file_url(evidence))
    assert response.status_code == 302
    assert "X-Amz" not in response["Location"]
    assert reverse("account_login") in response["Location"]


def test_signed_mode_gives_a_404_not_a_link_for_a_missing_object(
    signed, as_apprentice, apprenticeship
):
    evidence = upload(as_apprentice, apprenticeship)
    signed.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{evidence.attachment.name}")
    assert as_apprentice.get(file_url(evidence)).status_code == 404


def test_signed_mode_on_the_local_disk_streams(settings, as_apprentice, apprenticeship):
    """A store that cannot sign links (the local disk) still serves the file through the view."""
    settings.STORAGE_S3_SIGNED_DOWNLOADS = True
    evidence = upload(as_apprentice, apprenticeship)
    response = as_apprentice.get(file_url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_the_admin_links_to_the_checked_view_never_to_the_store(
    s3, as_apprentice, apprenticeship, admin_user
):
    evidence = upload(as_apprentice, apprenticeship, "My report.pdf")
    as_apprentice.force_login(admin_user)
    page = as_apprentice.get(reverse("admin:tracker_evidence_change", args=[evidence.pk]))
    html = page.content.decode()
    assert f'<a href="{file_url(evidence)}">My report.pdf</a>' in html
    assert "X-Amz" not in html
    assert evidence.attachment.name not in html


def test_a_store_that_refuses_an_upload_leaves_no_evidence_behind(
    s3, as_apprentice, apprenticeship
):
    def refuse(**kwargs):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "No"}}, "PutObject")

    events = default_storage.connection.meta.client.meta.events
    events.register("before-call.s3.PutObject", refuse)
    as_apprentice.raise_request_exception = True
    with pytest.raises(ClientError, match="AccessDenied"):
        upload(as_apprentice, apprenticeship)
    assert not Evidence.objects.exists()
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
