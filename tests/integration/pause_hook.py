"""A test-only hook that stops a Celery worker at a chosen point of a task.

tests/worker_settings.py imports this module when FAULTS_PAUSE_AT is set in the
worker's environment, so no product code carries a test branch:

    FAULTS_PAUSE_AT      "module:attribute[.attribute]" of the callable to wrap,
                         e.g. "moderation.models:Delivery.save"
    FAULTS_PAUSE_WHEN    "after" (default: the call has done its work, uncommitted)
                         or "before" (e.g. before a message reaches the mail server)
    FAULTS_PAUSE_MARKER  a file written when the worker reaches the point

At the point the worker writes the marker and sleeps, so that the test can kill it
there (SIGKILL) and know exactly what was and was not committed. The callable is
wrapped when the first task starts, when Django's apps are loaded.
"""

import functools
import importlib
import os
import time
from pathlib import Path

from celery.signals import task_prerun

PAUSE_SECONDS = 600
_installed = False


def _pause():
    Path(os.environ["FAULTS_PAUSE_MARKER"]).write_text(str(os.getpid()))
    time.sleep(PAUSE_SECONDS)


def _wrap(original, when):
    @functools.wraps(original)
    def paused(*args, **kwargs):
        if when == "before":
            _pause()
        result = original(*args, **kwargs)
        if when == "after":
            _pause()
        return result

    return paused


def install():
    module_name, _, path = os.environ["FAULTS_PAUSE_AT"].partition(":")
    owner = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    setattr(owner, name, _wrap(getattr(owner, name), os.environ.get("FAULTS_PAUSE_WHEN", "after")))


@task_prerun.connect(weak=False)
def _install_once(**kwargs):
    global _installed
    if not _installed:
        _installed = True
        install()
