from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from articles.permissions import CURATORS, ensure_curators_group


class Command(BaseCommand):
    help = (
        "Make USERNAME a curator: create the user if needed, mark them staff (admin "
        "access) and add them to the Curators group."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="e-mail address of a new user")

    def handle(self, *args, username, email, **options):
        group = ensure_curators_group()
        User = get_user_model()
        user, created = User.objects.get_or_create(
            **{User.USERNAME_FIELD: username}, defaults={"email": email}
        )
        if created:
            user.set_unusable_password()
        user.is_staff = True
        user.save()
        user.groups.add(group)
        if created:
            self.stdout.write(
                f"Created {username} in {CURATORS}. Set a password with: "
                f"python manage.py changepassword {username}"
            )
        else:
            self.stdout.write(f"{username} is now in {CURATORS} (staff).")
