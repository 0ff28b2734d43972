"""The Python integration tests' common output: an "ok:" line per check passed, "FAIL:" and
exit 1 on the first that fails, and the count at the end; and stopping a process they
started."""
import subprocess
import sys

_passed = 0


def ok(what):
    global _passed
    _passed += 1
    print(f"ok: {what}", flush=True)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def summary(test):
    print(f"{test}: {_passed} checks passed")


def stop(proc, seconds=10):
    """SIGTERM, then SIGKILL if proc has not exited within `seconds`."""
    proc.terminate()
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
