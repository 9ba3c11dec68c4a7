import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_settle_open_invitations")]

    operations = [
        migrations.AddConstraint(
            model_name='invitation',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), models.F('organisation'), condition=models.Q(('accepted_at__isnull', True), ('kind', 'member'), ('revoked_at__isnull', True)), name='accounts_invitation_one_open_member', violation_error_message='This person already has an open invitation.'),
        ),
        migrations.AddConstraint(
            model_name='invitation',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), models.F('organisation'), models.F('standard'), condition=models.Q(('accepted_at__isnull', True), ('apprenticeship__isnull', False), ('kind', 'apprentice'), ('revoked_at__isnull', True)), name='accounts_invitation_one_open_apprentice', violation_error_message='This person already has an open invitation onto this standard.'),
        ),
    ]
