"""Background jobs: a runner registered for a kind runs once the job is enqueued (in-process
without a broker), reports progress, leaves its result in the storage; only the person who
started a job sees its page, its figures and its result."""

import pytest
from django.urls import reverse

from accounts import jobs
from accounts.models import BackgroundJob

pytestmark = pytest.mark.django_db

KIND = BackgroundJob.Kind.PORTFOLIO_ZIP


@pytest.fixture
def runner(monkeypatch):
    """A runner for KIND that counts to three, for this test only."""
    calls = []

    def count(job, progress):
        for done in range(1, 4):
            progress(done, total=3)
        calls.append(job.pk)
        return b"one,two\n", "counted.csv", {"counted": 3}

    monkeypatch.setitem(jobs._RUNNERS, KIND, count)
    return calls


def test_an_enqueued_job_runs_and_keeps_its_result(media, manager, runner):
    job = jobs.create_job(kind=KIND, by=manager, source=b"in", source_name="in.txt")
    assert job.source.startswith("jobs/") and jobs.read_source(job) == b"in"
    jobs.enqueue(job)
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.DONE
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.summary == {"counted": 3} and job.result_name == "counted.csv"
    assert job.started_at and job.finished_at
    assert runner == [job.pk]


def test_a_job_runs_once_even_if_its_message_comes_twice(media, manager, runner):
    job = jobs.create_job(kind=KIND, by=manager)
    jobs.enqueue(job)
    assert jobs.run(job.pk) is None
    assert runner == [job.pk]


def test_a_failing_runner_marks_the_job_failed_with_its_words(media, manager, monkeypatch):
    def fail(job, progress):
        raise jobs.JobError("The file has no rows.")

    monkeypatch.setitem(jobs._RUNNERS, KIND, fail)
    job = jobs.create_job(kind=KIND, by=manager)
    jobs.enqueue(job)
    job.refresh_from_db()
    assert (job.state, job.error) == (BackgroundJob.State.FAILED, "The file has no rows.")


def test_an_unexpected_error_is_logged_and_the_job_failed(media, manager, monkeypatch):
    def crash(job, progress):
        raise RuntimeError("boom")

    monkeypatch.setitem(jobs._RUNNERS, KIND, crash)
    job = jobs.create_job(kind=KIND, by=manager)
    jobs.enqueue(job)
    job.refresh_from_db()
    assert job.state == BackgroundJob.State.FAILED
    assert job.error == jobs.UNEXPECTED and "boom" not in job.error


def test_the_creator_sees_the_page_the_figures_and_the_result(client, media, manager, runner):
    job = jobs.create_job(kind=KIND, by=manager)
    client.force_login(manager)
    page = client.get(reverse("accounts:job", kwargs={"pk": job.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress id="job-bar"' in html and 'http-equiv="refresh"' in html
    assert "js/job-progress.js" in html
    status = client.get(reverse("accounts:job-status", kwargs={"pk": job.pk})).json()
    assert status["state"] == "queued" and status["finished"] is False
    assert client.get(reverse("accounts:job-result", kwargs={"pk": job.pk})).status_code == 404
    jobs.enqueue(job)
    page = client.get(reverse("accounts:job", kwargs={"pk": job.pk})).content.decode()
    assert "Download counted.csv" in page and 'http-equiv="refresh"' not in page
    assert "Counted" in page
    status = client.get(reverse("accounts:job-status", kwargs={"pk": job.pk})).json()
    assert status["finished"] is True and status["result_url"]
    result = client.get(reverse("accounts:job-result", kwargs={"pk": job.pk}))
    assert result.status_code == 200
    assert b"".join(result.streaming_content) == b"one,two\n"
    assert result["Content-Disposition"].startswith('attachment; filename="counted.csv"')


def test_a_failed_job_shows_why(client, media, manager, monkeypatch):
    def fail(job, progress):
        raise jobs.JobError("No rows to import.")

    monkeypatch.setitem(jobs._RUNNERS, KIND, fail)
    job = jobs.create_job(kind=KIND, by=manager)
    jobs.enqueue(job)
    client.force_login(manager)
    page = client.get(reverse("accounts:job", kwargs={"pk": job.pk})).content.decode()
    assert "No rows to import." in page


@pytest.mark.parametrize("name", ["accounts:job", "accounts:job-status", "accounts:job-result"])
def test_nobody_else_sees_a_job(client, media, manager, mentor, admin_user, runner, name):
    job = jobs.create_job(kind=KIND, by=manager)
    jobs.enqueue(job)
    url = reverse(name, kwargs={"pk": job.pk})
    for someone in (mentor, admin_user):
        client.force_login(someone)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
