from django.db import migrations

STATEMENT = "I agree this is an accurate record."


def signatures_from_columns(apps, schema_editor):
    """The two signatures of each review signed before there were signature rows: the
    employer's (by whoever signed) and the apprentice's, with their comments."""
    ProgressReview = apps.get_model("tracker", "ProgressReview")
    ReviewSignature = apps.get_model("tracker", "ReviewSignature")
    rows = []
    reviews = ProgressReview.objects.select_related(
        "employer_signed_by", "apprenticeship__apprentice"
    ).filter(employer_signed_at__isnull=False)
    for review in reviews.iterator():
        signer = review.employer_signed_by
        rows.append(
            ReviewSignature(
                review=review,
                party="employer",
                user=signer,
                name=(signer.full_name or signer.email) if signer else "a deleted user",
                statement=STATEMENT,
                signed_at=review.employer_signed_at,
                content_version=review.content_version,
            )
        )
        if review.apprentice_signed_at:
            apprentice = review.apprenticeship.apprentice
            rows.append(
                ReviewSignature(
                    review=review,
                    party="apprentice",
                    user=apprentice,
                    name=apprentice.full_name or apprentice.email,
                    statement=STATEMENT,
                    comment=review.apprentice_comments,
                    signed_at=review.apprentice_signed_at,
                    content_version=review.content_version,
                )
            )
    ReviewSignature.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0010_review_three_parties")]

    operations = [migrations.RunPython(signatures_from_columns, migrations.RunPython.noop)]
