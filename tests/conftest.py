"""Suite-wide settings: no test writes to the user's cache or config, or depends on the wall clock."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile

import pytest

_CONFIG = tempfile.mkdtemp(prefix="acordo-test-config-")


def pytest_configure(config) -> None:
    # before collection: modules that pseudonymise at import time already see the test key file
    os.environ["XDG_CONFIG_HOME"] = _CONFIG  # the pseudonym key file
    # a fixed installation key: pseudonyms, and what is split by them (the treatment arms),
    # are the same in every run of the suite (tests of the key's creation use their own folder)
    folder = os.path.join(_CONFIG, "acordo")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(folder, "pseudonym.key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, hashlib.sha256(b"acordo test suite").digest())
    finally:
        os.close(fd)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_CONFIG, ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ACORDO_CACHE", str(tmp_path_factory.mktemp("acordo-cache")))
    mp.setenv("ACORDO_WORKERS", "1")  # commands run in process unless a test asks for --workers N
    mp.setenv("SOURCE_DATE_EPOCH", "1795478400")  # 2026-11-24, so reports are reproducible
    # the temporary files of the commands the tests start: a killed one (the SIGKILL tests) cannot
    # remove its pool's folder, which then stays with pytest's own temporary folders, not in /tmp
    mp.setenv("TMPDIR", str(tmp_path_factory.mktemp("tmp")))
    yield
    mp.undo()
