"""Keep each standard's stamp, ``Standard.content_updated_at``, in step with every edit its
public page shows, wherever the edit is made: the admin and its inlines, the importer, a
fixture, the shell. The stamp moves in the same transaction as the edit, and the page's ETag
and cached content are keyed by it, so no cache entry ever needs deleting.

A standard's own saves stamp it in ``Standard.save`` (a fixture's rows, saved past it, hold no
stamp and take the field's default, now). The ORM's bulk writes (``update()``,
``bulk_create``, ``bulk_update``, and rows written on the duty-KSB link table directly) send no
signals: code that uses them calls ``mark_content_changed()`` itself, as the importer does."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import KSB, Duty, Standard
from .wording import record_baseline


@receiver(pre_save, sender=KSB)
@receiver(pre_save, sender=Duty)
def remember_previous_standard(sender, instance, update_fields, **kwargs):
    """A KSB or duty moved to another standard changes the page it left as well."""
    instance._standard_before_save = None
    moves = update_fields is None or {"standard", "standard_id"} & set(update_fields)
    if instance.pk is not None and moves:
        instance._standard_before_save = (
            sender._default_manager.filter(pk=instance.pk)
            .values_list("standard_id", flat=True)
            .first()
        )


@receiver(pre_save, sender=KSB)
@receiver(pre_save, sender=Duty)
def record_wording_baseline(sender, instance, raw, update_fields, **kwargs):
    """A KSB or duty loaded by a fixture or a bulk write has no history row: before its words
    first change, record them as they were, so records made against them keep showing them.
    (A fixture's own raw saves write no history, so they are left alone here too.)"""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "description" not in update_fields:
        return
    before = sender._default_manager.filter(pk=instance.pk).first()
    if before is not None and before.description != instance.description:
        record_baseline(sender, [before])


@receiver(post_save, sender=KSB)
@receiver(post_save, sender=Duty)
def stamp_after_save(sender, instance, **kwargs):
    standards = {instance.standard_id, getattr(instance, "_standard_before_save", None)}
    Standard.objects.filter(pk__in=standards - {None}).mark_content_changed()


@receiver(post_delete, sender=KSB)
@receiver(post_delete, sender=Duty)
def stamp_after_delete(sender, instance, **kwargs):
    Standard.objects.filter(pk=instance.standard_id).mark_content_changed()


@receiver(m2m_changed, sender=Duty.ksbs.through)
def stamp_after_link_change(sender, instance, action, reverse, pk_set, **kwargs):
    """Duty-KSB links added, removed or cleared, from the duty's side (``duty.ksbs``) or the
    KSB's (``ksb.duties``). A link shows on the page of the duty's standard."""
    if not reverse:
        if action == "post_clear" or (action in {"post_add", "post_remove"} and pk_set):
            Standard.objects.filter(pk=instance.standard_id).mark_content_changed()
    elif action in {"post_add", "post_remove"} and pk_set:
        Standard.objects.filter(duties__in=pk_set).mark_content_changed()
    elif action == "pre_clear":  # afterwards nothing says which duties it had
        Standard.objects.filter(duties__ksbs=instance).mark_content_changed()
