"""An attachment over the limit is refused as it arrives, before it is kept whole in memory or
on disk, and the form comes back with the error beside the file and everything else kept."""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import Client
from django.urls import reverse

from tests.tracker.test_evidence import PDF, create_url, form_data
from tests.tracker.test_storage_s3 import BUCKET, PREFIX, object_store
from tracker.files import MAX_ATTACHMENT_BYTES
from tracker.models import Evidence

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class Passed(FileUploadHandler):
    """Stands between the size limit and the handlers that store files, and notes how many
    bytes of each file it is given: what those handlers get."""

    sizes = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.sizes.append(0)

    def receive_data_chunk(self, raw_data, start):
        self.sizes[-1] += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture(autouse=True)
def temp_dir(settings, tmp_path):
    """The project's upload handlers with Passed after the limit; files past
    FILE_UPLOAD_MAX_MEMORY_SIZE go to temporary files in a folder of the test's."""
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path
    assert settings.FILE_UPLOAD_HANDLERS[0] == "tracker.files.AttachmentSizeLimit"
    settings.FILE_UPLOAD_HANDLERS = [
        "tracker.files.AttachmentSizeLimit",
        "tests.tracker.test_uploads.Passed",
        *settings.FILE_UPLOAD_HANDLERS[1:],
    ]
    Passed.sizes.clear()
    return tmp_path


def pdf_of(size):
    return SimpleUploadedFile("report.pdf", PDF + bytes(size - len(PDF)))


def assert_refused_with_the_form_kept(response, apprenticeship):
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["attachment"][0].startswith("The file is larger than 10 MB")
    assert set(form.errors) == {"attachment"}
    assert form["title"].value() == "Set up the CI pipeline"
    chosen = [str(ksb.pk) for ksb in apprenticeship.standard.ksbs.all()[:2]]
    assert form["ksbs"].value() == chosen  # sent after the file
    assert not Evidence.objects.exists()


def test_a_file_over_10_mb_is_refused_beside_the_field_and_never_kept_whole(
    as_apprentice, apprenticeship, temp_dir
):
    data = form_data(apprenticeship, attachment=pdf_of(11 * MB))
    response = as_apprentice.post(create_url(apprenticeship), data)
    assert_refused_with_the_form_kept(response, apprenticeship)
    (passed,) = Passed.sizes
    assert passed <= MAX_ATTACHMENT_BYTES
    assert not any(temp_dir.iterdir())  # the first 10 MB were dropped at once


def test_a_file_just_under_10_mb_is_attached(as_apprentice, apprenticeship):
    size = MAX_ATTACHMENT_BYTES - 1024
    data = form_data(apprenticeship, attachment=pdf_of(size))
    response = as_apprentice.post(create_url(apprenticeship), data)
    evidence = Evidence.objects.get()
    assert response.url == evidence.get_absolute_url()
    assert evidence.attachment.size == size and Passed.sizes == [size]


def test_a_request_too_long_for_a_file_that_fits_passes_on_no_byte_of_it(
    as_apprentice, apprenticeship, temp_dir
):
    """10 MB of file, 2.5 MB of fields at most and the parts' headers: 13 MB cannot fit."""
    data = form_data(apprenticeship, attachment=pdf_of(13 * MB))
    response = as_apprentice.post(create_url(apprenticeship), data)
    assert_refused_with_the_form_kept(response, apprenticeship)
    assert Passed.sizes == []  # no handler that stores files heard of it
    assert not any(temp_dir.iterdir())


def test_too_much_form_data_is_a_400_not_a_500(apprentice, apprenticeship):
    """Past DATA_UPLOAD_MAX_MEMORY_SIZE of fields, with or without a file. The CSRF check is
    on, as in production: it is the first to read the form."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(apprentice)
    client.get(create_url(apprenticeship))
    data = form_data(apprenticeship, description="x" * 3 * MB)
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    for response in (
        client.post(
            create_url(apprenticeship),
            urlencode(data, doseq=True),
            content_type="application/x-www-form-urlencoded",
        ),
        client.post(create_url(apprenticeship), {**data, "attachment": pdf_of(1024)}),
    ):
        assert response.status_code == 400
        assert b"That request could not be understood" in response.content
    assert not Evidence.objects.exists()


def test_the_admin_never_replaces_an_attachment(admin_client, apprenticeship):
    evidence = Evidence.objects.create(
        apprenticeship=apprenticeship, title="Kept", occurred_on="2025-01-01"
    )
    page = admin_client.get(reverse("admin:tracker_evidence_change", args=[evidence.pk]))
    assert "attachment" not in page.context["adminform"].form.fields


# --- with the object store ----------------------------------------------------------------------


@pytest.fixture
def s3_store(settings, monkeypatch):
    with object_store(settings, monkeypatch) as client:
        yield client


def test_with_the_object_store_a_file_over_10_mb_never_reaches_the_bucket(
    s3_store, as_apprentice, apprenticeship, temp_dir
):
    data = form_data(apprenticeship, attachment=pdf_of(11 * MB))
    response = as_apprentice.post(create_url(apprenticeship), data)
    assert_refused_with_the_form_kept(response, apprenticeship)
    assert s3_store.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_with_the_object_store_a_file_just_under_10_mb_is_stored_whole(
    s3_store, as_apprentice, apprenticeship
):
    """Past 8 MB boto3 uploads in parts: the object is still the file, byte for byte."""
    size = MAX_ATTACHMENT_BYTES - 1024
    upload = pdf_of(size)
    as_apprentice.post(create_url(apprenticeship), form_data(apprenticeship, attachment=upload))
    evidence = Evidence.objects.get()
    stored = s3_store.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{evidence.attachment.name}")
    assert stored["ContentLength"] == size
    upload.seek(0)
    assert stored["Body"].read() == upload.read()
