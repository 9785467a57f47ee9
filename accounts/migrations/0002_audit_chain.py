"""The audit log becomes append-only and hash-chained (decision 0032).

Existing rows stay unsealed; the first `clearground audit seal` (or any write) links them in id order.
"""

from django.conf import settings
from django.db import migrations, models

# Refuses UPDATE and DELETE of audit rows. The one exception is the sealing update: it fills seq,
# prev_hash and hash of a row that has none of them and changes nothing else. Comparing the whole row
# (the new one with its chain columns emptied against the old one) keeps that true for columns added
# later. Row-level: TRUNCATE (the table owner's statement, used by the test runner's flush) is not
# refused (decision 0032).
APPEND_ONLY = """
CREATE FUNCTION accounts_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unsealed accounts_auditentry;
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
    THEN
        unsealed := NEW;
        unsealed.seq := NULL;
        unsealed.prev_hash := NULL;
        unsealed.hash := NULL;
        IF unsealed IS NOT DISTINCT FROM OLD THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % of audit entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation',
              HINT = 'Audit entries are never changed or removed; record a new entry instead.';
END;
$$;
CREATE TRIGGER accounts_auditentry_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER accounts_auditentry_append_only ON accounts_auditentry;
DROP FUNCTION accounts_auditentry_append_only();
"""

# The canonical JSON of an entry, the text its hash covers; one definition, used by the sealer below and by
# `clearground audit verify` (accounts/chain.py), so that anyone with psql can recompute a hash:
#   encode(sha256(convert_to(prev_hash || accounts_auditentry_canonical(e), 'UTF8')), 'hex') = hash
# json_build_object writes the keys in this order with fixed spacing, and old/new as jsonb prints them
# (keys sorted, fixed spacing); `at` in UTC with microseconds, whatever the session's time zone. (json, not
# jsonb: building a jsonb object costs three times as much, and verify reads every row.)
#
# The sealer links committed unsealed entries after id `after_id`, in id order, at most `max_rows`, under
# the advisory lock 7162743628960655732 ("cg-audit"): try-lock unless `wait`. One statement, so one round
# trip after each audited commit. Returns how many it sealed (NULL: another session is sealing) and the last
# id it sealed, where the next call goes on from.
CHAIN = """
CREATE FUNCTION accounts_auditentry_canonical(e accounts_auditentry) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id,
        'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actor_id', e.actor_id,
        'action', e.action,
        'object_type', e.object_type,
        'object_id', e.object_id,
        'old', e.old,
        'new', e.new,
        'reason', e.reason
    )::text
$$;
CREATE FUNCTION accounts_auditentry_seal(after_id bigint, max_rows integer, wait boolean)
RETURNS TABLE (n_sealed integer, through_id bigint) LANGUAGE plpgsql AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    r record;
    ids bigint[] := '{}';
    seqs bigint[] := '{}';
    prevs text[] := '{}';
    hashes text[] := '{}';
BEGIN
    IF wait THEN
        PERFORM pg_advisory_xact_lock(7162743628960655732);
    ELSIF NOT pg_try_advisory_xact_lock(7162743628960655732) THEN
        RETURN QUERY SELECT NULL::integer, after_id;
        RETURN;
    END IF;
    SELECT h.seq, h.hash INTO head_seq, head_hash
    FROM accounts_auditentry h WHERE h.seq IS NOT NULL ORDER BY h.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := repeat('0', 64);
    END IF;
    -- Keyset on id: earlier batches leave dead entries in the unsealed index until vacuum; the canonical
    -- JSON is built for this batch's rows only.
    FOR r IN
        SELECT (u.e).id AS id, accounts_auditentry_canonical(u.e) AS canonical
        FROM (SELECT e FROM accounts_auditentry e WHERE e.seq IS NULL AND e.id > after_id ORDER BY e.id
              LIMIT max_rows) AS u
        ORDER BY 1
    LOOP
        head_seq := head_seq + 1;
        ids := ids || r.id;
        seqs := seqs || head_seq;
        prevs := prevs || head_hash;
        head_hash := encode(sha256(convert_to(head_hash || r.canonical, 'UTF8')), 'hex');
        hashes := hashes || head_hash;
    END LOOP;
    IF cardinality(ids) = 0 THEN
        RETURN QUERY SELECT 0, after_id;
        RETURN;
    END IF;
    UPDATE accounts_auditentry AS a SET seq = s.seq, prev_hash = s.prev_hash, hash = s.hash
    FROM unnest(ids, seqs, prevs, hashes) AS s(id, seq, prev_hash, hash)
    WHERE a.id = s.id AND a.id BETWEEN ids[1] AND ids[cardinality(ids)];
    RETURN QUERY SELECT cardinality(ids), ids[cardinality(ids)];
END;
$$;
"""

DROP_CHAIN = """
DROP FUNCTION accounts_auditentry_seal(bigint, integer, boolean);
DROP FUNCTION accounts_auditentry_canonical(accounts_auditentry);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unsealed_idx"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("hash__isnull", True), ("prev_hash__isnull", True), ("seq__isnull", True)),
                    models.Q(("hash__isnull", False), ("prev_hash__isnull", False), ("seq__gte", 1)),
                    _connector="OR",
                ),
                name="audit_sealed_whole",
            ),
        ),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
        migrations.RunSQL(CHAIN, DROP_CHAIN),
    ]
