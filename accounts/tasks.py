"""Background tasks: sending e-mail from the outbox, and running background jobs."""

from celery import shared_task

from . import jobs, outbox
from .models import OutgoingEmail


# acks_late with reject_on_worker_lost: a worker killed while sending leaves the message on
# the broker, and another worker delivers it again; the outbox makes the repeat send nothing
# when the first got as far as marking it sent.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def send_outgoing_email(self, pk):
    status = outbox.send(pk)
    if status == OutgoingEmail.Status.RETRYING and not self.request.is_eager:
        # In a worker, Celery tries again at the time set; in-process (no broker) the next
        # flush does, instead of the request waiting.
        next_try = OutgoingEmail.objects.values_list("next_try_at", flat=True).get(pk=pk)
        raise self.retry(eta=next_try)
    return status


@shared_task
def flush_outbox():
    return outbox.flush()


# acks_late as for e-mail: a worker lost mid-job leaves the message for another worker, which
# runs the job again (jobs.run takes a job left running; each runner makes a repeat harmless).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_job(job_id):
    return jobs.run(job_id)
