import os

from django.core.management.base import BaseCommand

from profiles.demo import demo_ingest, demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo clinic on +15550100000 (English and Spanish), its knowledge base and a "
        "staff account. Safe to run again: existing rows are kept as they are."
    )

    def handle(self, *args, **options) -> None:
        # The same variables Django's createsuperuser reads.
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        result = demo_seed(
            staff_username=username,
            staff_password=os.environ.get("DJANGO_SUPERUSER_PASSWORD") or None,
        )
        profile = result.profile
        self.stdout.write(
            f"Demo profile {profile.name} on {profile.number}: "
            f"{'created' if result.profile_created else 'already there, left as is'}."
        )
        ready, chunks, errors = demo_ingest()
        self.stdout.write(
            f"Demo knowledge base: {result.documents_total} documents "
            f"({result.documents_created} new), {ready} ingested into {chunks} passages."
        )
        for error in errors:
            self.stderr.write(self.style.ERROR(f"Not ingested: {error}"))
        if result.generated_password:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Staff login: {result.staff_username} / {result.generated_password}\n"
                    "This password is shown only once. Change it with "
                    f"`python manage.py changepassword {result.staff_username}`."
                )
            )
        elif result.staff_created:
            self.stdout.write(
                f"Staff login: {result.staff_username}, password from DJANGO_SUPERUSER_PASSWORD."
            )
        else:
            self.stdout.write(
                f"Staff login: {result.staff_username} (existing account, password unchanged; "
                f"reset it with `python manage.py changepassword {result.staff_username}`)."
            )
