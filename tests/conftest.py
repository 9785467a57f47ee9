import pytest

from clearground.test import Cast, make_cast


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; tests are about access, not about PBKDF2's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture(autouse=True)
def close_progress_connection():
    # The "progress" alias (jobs' second session, decision 0015) mirrors the test database; a session
    # left open after a test would block dropping that database at the end of the run.
    yield
    from django.db import connections

    connections["progress"].close()


@pytest.fixture(autouse=True)
def default_language():
    # A page request through the test client leaves its language active in this thread (LocaleMiddleware
    # activates it, nothing deactivates it): without this, a test after a Ukrainian page ran in Ukrainian.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def tasking_off_unless_a_test_turns_it_on():
    # Decision 0050: new installs and the demo run with tasking on, but most tests are about one rule
    # each and make their reports without task orders, as a register kept without tasking does. Session
    # scoped, so that module fixtures (the outsider world, the role matrix) build under it too; the
    # tasking tests (tests/test_tasks_*.py) and the demo's module fixture turn it on themselves.
    from django.test import override_settings

    with override_settings(CLEARGROUND_TASKING_REQUIRED=False):
        yield
