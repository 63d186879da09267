"""The audit chain is keyed (HMAC-SHA256, key outside the database).

Records written before keep their plain SHA-256 hashes and are marked with the key id ``sha256``;
they are not re-hashed (that would also bless any edit made to them before now). Instead a keyed
record, ``audit.keyed``, is appended after them: its HMAC covers the last one's hash, so the old
records can no longer be changed without the key, and ``weibao audit verify`` accepts unkeyed
records only before it.
"""

from django.db import migrations, models


def seal(apps, schema_editor):
    from weibao.audit.services import seal_legacy_chain

    seal_legacy_chain(apps.get_model("audit", "AuditEvent"), apps.get_model("audit", "ChainHead"))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_chain_head"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="sha256", max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
