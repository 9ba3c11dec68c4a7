"""The employer's agreement that an apprentice is ready for gateway: a training provider marks
the apprenticeship at gateway only with it (accounts.status)."""

from django.db import models
from django.utils import timezone

from .apprenticeships import Apprenticeship, party_field
from .people import User


class GatewayAgreement(models.Model):
    """Made by a mentor or manager of the employer; it counts until the apprenticeship's status
    next changes. Kept for good, with who and when."""

    apprenticeship = models.ForeignKey(
        Apprenticeship, on_delete=models.CASCADE, related_name="gateway_agreements"
    )
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    party = party_field()
    at = models.DateTimeField(default=timezone.now, editable=False)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"Ready for gateway, agreed by {self.by or 'a deleted user'} on {self.at:%d %B %Y}"
