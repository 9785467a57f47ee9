from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        from accounts.tokens import revoke_on_user_change

        # A password change or a deactivation, by any door, revokes the user's API tokens (decision 0038).
        post_save.connect(revoke_on_user_change, sender=settings.AUTH_USER_MODEL, dispatch_uid="revoke_api_tokens")
