from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "licensing_portal.core"
    label = "core"
    verbose_name = _("Accounts and audit")

    def ready(self):
        from allauth.account.signals import email_confirmed
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from licensing_portal import metrics
        from licensing_portal.core import mfa_audit
        from licensing_portal.core.logging import connect_task_request_ids, install_record_factory
        from licensing_portal.core.middleware import record_sign_in_time, speak_user_language
        from licensing_portal.core.services import adopt_confirmed_sign_in_email
        from licensing_portal.staff import support_group_after_migrate

        install_record_factory()
        email_confirmed.connect(adopt_confirmed_sign_in_email, dispatch_uid="core.adopt_confirmed_sign_in_email")
        connect_task_request_ids()
        metrics.connect_task_outcomes()
        user_logged_in.connect(record_sign_in_time, dispatch_uid="core.record_sign_in_time")
        user_logged_in.connect(speak_user_language, dispatch_uid="core.speak_user_language")
        post_migrate.connect(support_group_after_migrate, dispatch_uid="core.support_group")  # ADM-1
        mfa_audit.connect()  # IDN-4
