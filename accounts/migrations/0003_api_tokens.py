"""API tokens of our own, stored as SHA-256 digests, expiring and revocable (decision 0038).

DRF's authtoken table is dropped with every token in it: those keys were stored (and shown in the
admin) in plain text and never expired, so none of them is carried over. Every API client signs in
again (POST /api/v1/auth/token/) after this migration. Reversing it recreates no old token.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_audit_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # rest_framework.authtoken is no longer installed: drop its table and forget its migrations, so
        # that installing it again would start afresh rather than find a table it believes it made.
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token; DELETE FROM django_migrations WHERE app = 'authtoken';",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField()),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "revoked_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("logout", "signed out (POST /api/v1/auth/logout/)"),
                            ("password_changed", "the user's password changed"),
                            ("deactivated", "the user was deactivated"),
                            ("admin", "revoked by an admin"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("revoked_at__isnull", True)), fields=["user"], name="apitoken_live_user_idx"
                    )
                ],
            },
        ),
    ]
