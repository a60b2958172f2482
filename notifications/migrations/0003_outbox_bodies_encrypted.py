from cryptography.fernet import InvalidToken
from django.db import migrations

import licensing_portal.fields


def encrypt_stored_bodies(apps, schema_editor):
    """Rows written before this migration hold their bodies in clear: encrypt them in place (raw SQL, because
    the model field would try to decrypt them on the way out)."""
    from licensing_portal.fields import decrypt, encrypt

    def sealed(text):
        if not text:
            return text
        try:
            decrypt(text)
        except (InvalidToken, ValueError):
            return encrypt(text)
        return text

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, body_text, body_html FROM notifications_outgoingemail")
        for pk, text, html in cursor.fetchall():
            cursor.execute(
                "UPDATE notifications_outgoingemail SET body_text = %s, body_html = %s WHERE id = %s",
                [sealed(text), sealed(html), pk],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_outbox_attempt_time_and_message_uuid"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outgoingemail",
            name="body_html",
            field=licensing_portal.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="outgoingemail",
            name="body_text",
            field=licensing_portal.fields.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_stored_bodies, migrations.RunPython.noop),
    ]
