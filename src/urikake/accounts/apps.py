from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "urikake.accounts"
    label = "accounts"
    verbose_name = "アカウント"

    def ready(self) -> None:
        # Every authentication event reaches the audit trail through these receivers
        # (urikake.accounts.auth_events). dispatch_uid: connect once even if ready() reruns.
        from allauth.account import signals as account_signals
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth import signals as auth_signals

        from urikake.accounts import auth_events as ev

        receivers = [
            (auth_signals.user_logged_in, ev.on_django_login),
            (auth_signals.user_logged_out, ev.on_logout),
            (account_signals.user_logged_in, ev.on_allauth_login),
            (account_signals.authentication_step_completed, ev.on_reauthenticated),
            (account_signals.password_changed, ev.on_password_changed),
            (account_signals.password_set, ev.on_password_set),
            (account_signals.password_reset, ev.on_password_reset),
            (account_signals.email_added, ev.on_email_added),
            (account_signals.email_removed, ev.on_email_removed),
            (account_signals.email_changed, ev.on_email_changed),
            (account_signals.email_confirmed, ev.on_email_confirmed),
            (mfa_signals.authenticator_added, ev.on_mfa_added),
            (mfa_signals.authenticator_removed, ev.on_mfa_removed),
            (mfa_signals.authenticator_reset, ev.on_mfa_reset),
            (mfa_signals.authentication_failed, ev.on_mfa_failed),
        ]
        for signal, receiver in receivers:
            signal.connect(receiver, dispatch_uid=f"urikake.accounts.{receiver.__name__}")
