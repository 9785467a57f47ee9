"""The audit log is append-only (a trigger) and tamper-evident (a hash chain that `clearground audit verify`
walks). Decision 0032."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, connections, transaction
from rest_framework.test import APIClient

from accounts import chain
from accounts.audit import record
from accounts.models import AuditEntry
from clearground.test import Cast, square
from jobs.actions import new_worker_id, work
from tests.helpers import approved, submitted
from tests.test_casualties_recording import field_key, recorded_and_approved  # noqa: F401  (autouse fixture)

CHECKOUT = Path(__file__).resolve().parents[1]


def audit(*args: str) -> subprocess.CompletedProcess[str]:
    """`clearground audit ARGS` in a process of its own, on the test database."""
    base = urlparse(os.environ["DATABASE_URL"])
    url = base._replace(path="/" + str(django_settings.DATABASES["default"]["NAME"])).geturl()
    return subprocess.run(
        [str(Path(sys.executable).with_name("clearground")), "audit", *args],
        env={**os.environ, "DATABASE_URL": url},
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("seq"))


@pytest.fixture
def trigger_off() -> Iterator[None]:
    """The append-only trigger disabled, as a database superuser could (the test user is one)."""
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("ALTER TABLE accounts_auditentry ENABLE TRIGGER accounts_auditentry_append_only")


@pytest.fixture
def sealed_log(transactional_db: None, cast: Cast) -> list[AuditEntry]:
    """A committed, sealed log: four NTS reports created, submitted and approved, three entries each."""
    for n in range(4):
        approved(cast, "nts", cast.nts_payload(square(100, x=300 * n), name=f"Field {n}"))
    assert chain.seal(wait=True) is not None
    rows = entries()
    assert len(rows) >= 12 and all(r.seq is not None for r in rows)
    return rows


def refused(statement: Any) -> str:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        statement()
    return str(caught.value)


@pytest.mark.django_db
def test_an_audit_entry_cannot_be_updated_or_deleted_through_the_orm_or_raw_sql(cast: Cast) -> None:
    entry = record(cast.imo, "organisation.update", cast.alpha, old={"name": "A"}, new={"name": "B"}, reason="typo")
    assert chain.seal() == AuditEntry.objects.count()
    entry.refresh_from_db()
    before = AuditEntry.objects.filter(pk=entry.pk).values().get()

    def save_changed() -> None:
        entry.reason = "nothing happened"
        entry.save()

    def raw(sql: str) -> Any:
        def run() -> None:
            with connection.cursor() as cur:
                cur.execute(sql, [entry.pk])

        return run

    messages = [
        refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="nothing happened")),
        refused(save_changed),
        refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete()),
        refused(lambda: AuditEntry.objects.all().delete()),
        refused(raw("UPDATE accounts_auditentry SET new = '{}'::jsonb WHERE id = %s")),
        refused(raw("UPDATE accounts_auditentry SET seq = seq + 1000, hash = repeat('0', 64) WHERE id = %s")),
        refused(raw("DELETE FROM accounts_auditentry WHERE id = %s")),
    ]

    assert all("the audit log is append-only" in m for m in messages)
    assert "UPDATE of audit entry" in messages[0] and "DELETE of audit entry" in messages[2]
    assert AuditEntry.objects.filter(pk=entry.pk).values().get() == before


@pytest.mark.django_db
def test_sealing_fills_only_the_chain_columns_and_cannot_smuggle_a_change_in(cast: Cast) -> None:
    entry = record(cast.imo, "organisation.update", cast.alpha, new={"name": "B"})

    def seal_and_change() -> None:
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE accounts_auditentry SET seq = 1, prev_hash = %s, hash = %s, reason = 'forged' WHERE id = %s",
                [chain.GENESIS, "a" * 64, entry.pk],
            )

    assert "append-only" in refused(seal_and_change)
    assert chain.seal() == 1
    entry.refresh_from_db()
    assert (entry.seq, entry.prev_hash, entry.reason) == (1, chain.GENESIS, "")
    assert entry.hash is not None and len(entry.hash) == 64


@pytest.mark.django_db(transaction=True)
def test_a_day_of_register_work_is_sealed_as_it_commits_and_verifies_intact(cast: Cast) -> None:
    # Reports created, submitted, returned-free and approved through the actions; an accident with two
    # casualties through the API; the IM officer reading their names (personal-data reads).
    approved(cast, "nts", cast.nts_payload(square(100), name="North field"))
    submitted(cast, "nts", cast.nts_payload(square(100, x=400), name="South field"))
    recorded_and_approved(cast)
    shown = APIClient()
    shown.force_authenticate(cast.imo)
    assert shown.get("/api/v1/casualties/").status_code == 200

    rows = entries()
    actions = {r.action for r in rows}
    assert {"report.create", "report.submit", "report.approve", "personal_data.read"} <= actions
    # Every row was sealed right after its transaction committed: nobody ran `seal`.
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.prev_hash for r in rows] == [chain.GENESIS] + [r.hash for r in rows[:-1]]

    result = audit("verify")

    assert result.returncode == 0, result.stdout + result.stderr
    head = rows[-1]
    assert f"{len(rows)} entries, chain intact, head {head.seq} {head.hash}" in result.stdout
    assert "pending entries sealed: 0" in result.stdout
    assert audit("verify", "--recorded-head", f"{head.seq}:{head.hash}").returncode == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_a_long_transaction_give_one_unbroken_chain_without_waiting(cast: Cast) -> None:
    # A long import: its audit row gets a low id and stays uncommitted while others commit after it.
    long_written, long_may_commit = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def long_import() -> None:
        try:
            with transaction.atomic():
                record(cast.clerk, "import.run", cast.alpha, reason="long import")
                long_written.set()
                assert long_may_commit.wait(60)
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            failures.append(error)
        finally:
            connections.close_all()

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():
                    record(cast.imo, "organisation.update", cast.alpha, new={"writer": n, "i": i})
        except BaseException as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connections.close_all()

    slow = threading.Thread(target=long_import)
    slow.start()
    assert long_written.wait(30)
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    # The writers committed and were sealed while the long transaction still held its row: nobody waited.
    assert not failures and not any(t.is_alive() for t in threads)
    assert AuditEntry.objects.filter(action="organisation.update").count() == 150
    long_may_commit.set()
    slow.join(60)
    assert not failures
    chain.seal(wait=True)  # whatever a try-lock left behind when two writers committed at once

    rows = entries()
    late = next(r for r in rows if r.reason == "long import")
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    # Chain order is commit (sealing) order, not id order: the long import's row has a low id, a late seq.
    assert any(r.id > late.id and r.seq < late.seq for r in rows)
    result = audit("verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(rows)} entries, chain intact" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_a_writer_never_waits_for_a_sealer_and_its_rows_are_sealed_later(cast: Cast) -> None:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [chain.SEAL_LOCK])  # a sealer in the middle of its work
        entry = record(cast.imo, "organisation.update", cast.alpha, new={"name": "B"})  # commits, try-lock fails
        assert chain.seal() is None
        entry.refresh_from_db()
        assert entry.seq is None
        with other.cursor() as cur:
            cur.execute("COMMIT")
    finally:
        other.close()

    result = audit("verify")

    assert result.returncode == 0, result.stdout + result.stderr
    count = AuditEntry.objects.count()
    assert f"pending entries sealed: {count}" in result.stdout
    assert f"{count} entries, chain intact" in result.stdout


@pytest.mark.django_db(databases=["default", "progress"])
def test_the_worker_seals_rows_written_without_the_audit_helpers(cast: Cast) -> None:
    # As hazards/indications.py and the bulk import write them: straight into the table, no on-commit seal.
    entry = AuditEntry.objects.create(action="hazard_indication.record", object_type="hazards.hazardindication",
                                      object_id="1", new={"source": "survey"})  # fmt: skip

    work(new_worker_id(), burst=True)  # an empty queue: one turn of the loop

    entry.refresh_from_db()
    assert entry.seq == 1 and entry.prev_hash == chain.GENESIS and entry.hash is not None
    assert chain.verify().intact


@pytest.mark.django_db(transaction=True)
def test_audit_seal_seals_what_is_pending_and_says_how_many(cast: Cast) -> None:
    for n in range(3):
        AuditEntry.objects.create(action="organisation.update", object_type="accounts.organisation",
                                  object_id=str(cast.alpha.pk), new={"n": n})  # fmt: skip

    first, second = audit("seal"), audit("seal")

    assert (first.returncode, first.stdout) == (0, "pending entries sealed: 3\n")
    assert (second.returncode, second.stdout) == (0, "pending entries sealed: 0\n")
    assert [e.seq for e in entries()] == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_verify_names_an_entry_whose_reason_was_changed_behind_the_trigger(
    sealed_log: list[AuditEntry], trigger_off: None
) -> None:
    target = sealed_log[5]
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_auditentry SET reason = 'nothing to see' WHERE id = %s", [target.pk])

    result = audit("verify")

    assert result.returncode == 1
    broken = [line for line in result.stdout.splitlines() if line.startswith("BROKEN")]
    assert len(broken) == 1, result.stdout
    assert f"seq {target.seq} (id {target.pk}): hash expected " in broken[0]
    assert f"stored {target.hash}" in broken[0]
    assert f"{len(sealed_log)} entries, chain broken: 1 problem(s)" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_verify_names_a_deleted_entry_as_a_missing_seq(sealed_log: list[AuditEntry], trigger_off: None) -> None:
    gone, after = sealed_log[3], sealed_log[4]
    with connection.cursor() as cur:
        cur.execute("DELETE FROM accounts_auditentry WHERE id = %s", [gone.pk])

    result = audit("verify")

    assert result.returncode == 1
    assert f"BROKEN seq {gone.seq} missing: entries deleted before seq {after.seq} (id {after.pk})" in result.stdout
    assert f"BROKEN seq {after.seq} (id {after.pk}): prev_hash {gone.hash} is not the previous entry's hash" in (
        result.stdout
    )


@pytest.mark.django_db(transaction=True)
def test_verify_names_a_forged_entry_with_a_made_up_hash(sealed_log: list[AuditEntry]) -> None:
    head = sealed_log[-1]
    actor = head.actor_id
    # No trigger guards INSERT (restores load rows with their chain): the chain is what catches a forgery.
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO accounts_auditentry (at, actor_id, action, object_type, object_id, new, reason,"
            " seq, prev_hash, hash)"
            " VALUES (now(), %s, 'report.approve', 'reports.report', '999', '{}', '', %s, %s, %s) RETURNING id",
            [actor, head.seq + 1, head.hash, "f" * 64],
        )
        (forged,) = cur.fetchone()

    result = audit("verify")

    assert result.returncode == 1
    assert f"BROKEN seq {head.seq + 1} (id {forged}): hash expected " in result.stdout
    assert "stored " + "f" * 64 in result.stdout


@pytest.mark.django_db(transaction=True)
def test_verify_names_an_entry_with_a_seq_out_of_the_chain(sealed_log: list[AuditEntry], trigger_off: None) -> None:
    moved = sealed_log[-1]
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_auditentry SET seq = seq + 5 WHERE id = %s", [moved.pk])

    result = audit("verify")

    assert result.returncode == 1
    assert f"BROKEN seq {moved.seq}–{moved.seq + 4} missing: entries deleted before seq {moved.seq + 5}" in (
        result.stdout
    )


@pytest.mark.django_db(transaction=True)
def test_a_rewritten_history_that_rehashes_the_chain_is_caught_only_by_a_recorded_head(
    sealed_log: list[AuditEntry], trigger_off: None
) -> None:
    head = sealed_log[-1]
    # The limit of any hash chain kept in the database it protects: a superuser who changes an entry and
    # re-hashes every entry after it leaves a chain that is intact in itself.
    with connection.cursor() as cur:
        cur.execute("UPDATE accounts_auditentry SET reason = 'rewritten' WHERE id = %s", [sealed_log[2].pk])
        cur.execute(
            "UPDATE accounts_auditentry SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq >= %s",
            [sealed_log[2].seq],
        )
    assert chain.seal() == len(sealed_log) - 2

    assert audit("verify").returncode == 0
    result = audit("verify", "--recorded-head", f"{head.seq}:{head.hash}")
    assert result.returncode == 1
    assert f"BROKEN recorded head seq {head.seq}: hash expected {head.hash}, stored " in result.stdout
