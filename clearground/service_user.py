"""Least privilege for command 1: started as root, the web server and the worker run as a system user.

    python -m clearground.service_user prepare        # as root: the user, its folders and secrets
    python -m clearground.service_user exec -- CMD    # as root: CMD as that user; otherwise CMD as is

`prepare` (root only; a no-op otherwise) creates the system user CLEARGROUND_SERVICE_USER (default
`clearground`: no home, no login shell) unless it exists, lets it read the checkout, gives it the
folders the application writes (MEDIA_ROOT, VAR_DIR/tmp, STATIC_ROOT, VAR_DIR/basemap) and the database password file
(owner-only, mode 0600; the user gets a traverse-only ACL on var/pg, which `postgres` owns). Files a
root-run command left in those folders (a restore, an older `make run`) are handed over too. Idempotent.

`exec` drops root for the service user (its groups, its uid, umask 027: nothing it writes is readable
by others) and replaces itself with CMD, so the process id stays the one the caller started.
Run as anyone else, both leave things as they are: the invoking user is the service user.
See docs/decisions/0038-tokens-and-least-privilege.md; PostgreSQL runs as `postgres` (decision 0001).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clearground.dbcluster import grant_traverse, is_root, repo_root

DEFAULT_USER = "clearground"
PREFIX = "[service]"
# What the service user may create: owner and group, never others (the media hold imported files).
UMASK = 0o027


class ServiceUserError(RuntimeError):
    """Something about the service user failed; the message is one line meant for a person."""


@dataclass(frozen=True)
class ServiceUser:
    """The system user the web server and the worker run as."""

    name: str
    uid: int
    gid: int
    home: str


def say(message: str) -> None:
    """Print one progress line."""
    print(f"{PREFIX} {message}", flush=True)


def service_user_name() -> str:
    """CLEARGROUND_SERVICE_USER, or `clearground`."""
    return os.environ.get("CLEARGROUND_SERVICE_USER", "").strip() or DEFAULT_USER


def lookup(name: str) -> ServiceUser | None:
    """The user named `name`, or None when there is none."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return ServiceUser(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir)


def ensure_user(name: str) -> ServiceUser:
    """The system user `name`, created (with a group of its name, no home, no login shell) if missing."""
    found = lookup(name)
    if found is not None:
        return found
    if shutil.which("useradd") is None:
        raise ServiceUserError(f"there is no user {name!r} and no useradd to create it (Debian package passwd)")
    nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    result = subprocess.run(
        ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", nologin, "--comment", "Clearground web server and worker", name],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = lookup(name)  # another `make run` may have created it at the same moment
    if found is None:
        raise ServiceUserError(f"useradd {name} failed: {result.stderr.strip() or result.returncode}")
    if result.returncode == 0:
        say(f"created the system user {name} (uid {found.uid}, no home, no login shell)")
    return found


@dataclass(frozen=True)
class Layout:
    """What the service user needs: the folders it writes and the secret files it alone reads."""

    checkout: Path
    var_dir: Path
    writable: tuple[Path, ...]
    secrets: tuple[Path, ...]


def layout() -> Layout:
    """The folders and secrets of this instance, from the settings (so every variable there counts)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearground.settings")
    from django.conf import settings

    var_dir = Path(settings.VAR_DIR).absolute()
    # var/basemap: the demo's offline basemap, which command 1 builds as the service user (decision 0056).
    writable = (Path(settings.MEDIA_ROOT).absolute(), var_dir / "tmp", Path(settings.STATIC_ROOT).absolute(),
                var_dir / "basemap")  # fmt: skip
    # The private cluster's password (clearground/dbcluster.py), which settings.py reads; with
    # DATABASE_URL set, the password travels in the environment and there is no file.
    password = var_dir / "pg" / "password"
    return Layout(
        checkout=repo_root(), var_dir=var_dir, writable=writable, secrets=(password,) if password.exists() else ()
    )


def runs_as(user: ServiceUser, argv: Sequence[str]) -> bool:
    """Does `argv` succeed when run as `user`? (A probe of what the user may read or enter.)"""
    command = ["runuser", "-u", user.name, "--", *argv]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def hand_over(path: Path, user: ServiceUser) -> int:
    """Make `user` own `path` and everything under it (symlinks themselves, never their targets).

    Returns how many entries changed owner; those already the user's are not touched.
    """
    changed = 0
    entries = [path]
    for folder, dirs, files in os.walk(path):
        entries += [Path(folder, name) for name in dirs + files]
    for entry in entries:
        stat = entry.lstat()
        if (stat.st_uid, stat.st_gid) != (user.uid, user.gid):
            os.lchown(entry, user.uid, user.gid)
            changed += 1
    return changed


def grant_read(path: Path, user: ServiceUser, *, skip: set[Path]) -> None:
    """As root, let `user` read a tree it cannot (a checkout cloned with umask 077): a recursive ACL.

    Folders in `skip` (var/: the database's own files, the secrets) and .git are left out.
    """
    if shutil.which("setfacl") is None:
        raise ServiceUserError(f"the {user.name} user cannot read {path}, and setfacl is missing to grant it")
    targets = [["-m", str(path)]]
    targets += [["-R", "-m", str(child)] for child in sorted(path.iterdir())
                if child.resolve() not in skip and child.name != ".git"]  # fmt: skip
    for flags in targets:
        result = subprocess.run(["setfacl", *flags[:-1], f"u:{user.name}:rX", flags[-1]], capture_output=True,
                                text=True, check=False)  # fmt: skip
        if result.returncode != 0:
            raise ServiceUserError(f"setfacl on {flags[-1]} failed: {result.stderr.strip()}")
    say(f"granted the {user.name} user read access (ACL u:{user.name}:rX) to {path}, but not {sorted(skip)}")


def prepare(name: str | None = None) -> ServiceUser | None:
    """As root: the service user, able to read the checkout, owning what it writes and its secrets.

    Returns the user, or None when not root (nothing to do: the invoking user runs everything).
    """
    if not is_root():
        return None
    user = ensure_user(name or service_user_name())
    where = layout()

    for secret in where.secrets:
        os.chown(secret, user.uid, user.gid)
        secret.chmod(0o600)
        # var/pg is postgres's, mode 700: a traverse-only ACL lets the service user reach the password
        # and nothing else there (it cannot list the folder, and the data folder is postgres's own).
        grant_traverse(secret.parent, user.name)
    for folder in where.writable:
        folder.mkdir(parents=True, exist_ok=True)
        grant_traverse(folder.parent, user.name)
        changed = hand_over(folder, user)
        folder.chmod(0o750)
        if changed:
            say(f"{folder} and its {changed - 1} entries handed to the {user.name} user")

    # Last, since settings.py reads the password file: the checkout and Python must be readable, that
    # is the virtualenv (.venv may link to another folder) and the interpreter it was made from (which
    # may sit in root's home, as pyenv's do). Usual modes (755/644) need only a way in to each.
    python = Path(sys.executable)
    trees = {where.checkout.resolve(), Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    for tree in sorted(trees):
        grant_traverse(tree, user.name)
    can_import = [str(python), "-c", "import django, clearground.settings"]
    if not runs_as(user, can_import):
        for tree in sorted(trees):
            grant_read(tree, user, skip={where.var_dir.resolve()})
        if not runs_as(user, can_import):
            raise ServiceUserError(f"the {user.name} user still cannot run {python} on {where.checkout}")

    say(f"the web server and the worker run as the {user.name} user")
    return user


def drop_to(user: ServiceUser) -> None:
    """Become `user` for good: its groups, its gid, its uid (in that order), its environment names."""
    os.initgroups(user.name, user.gid)
    os.setgid(user.gid)
    os.setuid(user.uid)
    os.umask(UMASK)
    os.environ.update({"HOME": user.home, "USER": user.name, "LOGNAME": user.name})


def exec_as_service(argv: Sequence[str], name: str | None = None) -> None:
    """Replace this process with `argv`, run as the service user when we are root (never returns)."""
    if not argv:
        raise ServiceUserError("usage: python -m clearground.service_user exec -- CMD [ARGS...]")
    if is_root():
        user = lookup(name or service_user_name())
        if user is None:
            raise ServiceUserError(
                f"no user {name or service_user_name()!r}: run `python -m clearground.service_user prepare` first"
            )
        drop_to(user)
    os.execvp(argv[0], list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code (`exec` does not return when it succeeds)."""
    parser = argparse.ArgumentParser(prog="python -m clearground.service_user", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("prepare", help="as root: create the service user, hand it its folders and secrets")
    p = sub.add_parser("exec", help="run CMD as the service user when root: exec -- CMD [ARGS...]")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    try:
        if args.action == "prepare":
            prepare()
        else:
            cmd = list(args.cmd)
            exec_as_service(cmd[1:] if cmd and cmd[0] == "--" else cmd)
    except (ServiceUserError, OSError) as error:
        print(f"{PREFIX} error: {error}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
