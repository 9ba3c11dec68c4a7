from django.core.management.base import BaseCommand, CommandError

from standards.ifate import RecordError, SourceError, parse_record, read_records
from standards.services import ImportRefused, standard_import


class Command(BaseCommand):
    help = (
        "Import apprenticeship standards from files in the IfATE standards API format "
        "(one record or a list of records per file). Each record is created, updated in place "
        "or left unchanged, whole or not at all. Exits with status 1 if any record was skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="JSON file(s) to import")

    def handle(self, *args, paths, **options):
        total = skipped = 0
        for path in paths:
            try:
                records = read_records(path)
            except SourceError as exc:
                total += 1
                skipped += 1
                self.stdout.write(f"{path}: skipped: {exc}")
                continue
            for position, record in enumerate(records, start=1):
                total += 1
                label = path if len(records) == 1 else f"{path} record {position}"
                try:
                    parsed = parse_record(record)
                    label = f"{label}: {parsed.label}"
                    result = standard_import(parsed=parsed)
                except (RecordError, ImportRefused) as exc:
                    skipped += 1
                    self.stdout.write(f"{label}: skipped: {exc}")
                    continue
                for warning in parsed.warnings:
                    self.stderr.write(f"{label}: warning: {warning}")
                self.stdout.write(f"{label}: {result.summary()}")
        if skipped:
            raise CommandError(f"{skipped} of {total} record(s) skipped.", returncode=1)
