from django.db import migrations

# The access log is append-only in the database itself, not only in the ORM: no UPDATE, DELETE or
# TRUNCATE, whoever connects.
FORWARD = """
CREATE OR REPLACE FUNCTION lead_access_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lead_access_log_no_update_delete
    BEFORE UPDATE OR DELETE ON lead_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION lead_access_log_refuse_change();

CREATE TRIGGER lead_access_log_no_truncate
    BEFORE TRUNCATE ON lead_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION lead_access_log_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS lead_access_log_no_truncate ON lead_accesslogentry;
DROP TRIGGER IF EXISTS lead_access_log_no_update_delete ON lead_accesslogentry;
DROP FUNCTION IF EXISTS lead_access_log_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("lead", "0002_access_log_and_outbox_links")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
