from django.contrib import admin

from urikake.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    list_display = ("id", "email", "is_staff", "is_active", "date_joined")
    search_fields = ("email",)
    exclude = ("password",)
    # Privileges change only through urikake.accounts.services (audited, never by oneself):
    # the back office's スタッフ権限の管理 page. Here they are shown, not edited.
    readonly_fields = (
        "last_login",
        "date_joined",
        "is_staff",
        "is_superuser",
        "staff_role",
        "groups",
        "user_permissions",
        # Set by the person through the language switch (audited as user.language_changed).
        "preferred_language",
    )
