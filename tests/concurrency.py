"""A write held open in another thread's transaction, for tests of what a second writer does meanwhile."""

import threading
from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def held_open(write):
    """Run `write()` in a transaction on another connection and keep it open (uncommitted) for the `with` body;
    it commits on leaving. A failure in `write` is raised here."""
    holding, release, failures = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                write()
                holding.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 - raised in the test's thread below
            failures.append(exc)
            holding.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        if failures:
            raise failures[0]
        yield
    finally:
        release.set()
        thread.join()
    if failures:
        raise failures[0]
