#!/usr/bin/env python3
"""The ceph exporter on a real single-node Ceph cluster (tests/ceph/cluster.sh): mon, mgr
with its prometheus module, two OSDs, an MDS with CephFS, a read-only collector user.

1. Equivalence: swarmscope's ceph output and the mgr module's /metrics, family by family
   and label set by label set; values that are stable between two reads must be equal.
   Everything that differs is printed, and the test fails on it. The few differences that
   are deliberate are listed in KNOWN below, each with its reason.
2. promtool check metrics: the only findings allowed are the naming lints that the mgr
   module's own names carry (counters without _total, non-base units such as _ms).
3. Faults: an OSD stopped and back; the mon stopped (scrapes keep answering within their
   deadline, the collector reports failure, the data age grows, no threads pile up) and
   back (recovers without a restart); a wrong keyring (a clear log line, no crash loop).

    tests/integration/ceph_test.py build/ci/swarmscope
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from checks import fail, ok, summary

BINARY = os.path.abspath(sys.argv[1])
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER = os.path.join(REPO, "tests", "ceph", "cluster.sh")

# Families of the module that swarmscope does not reproduce, and why.
NOT_OURS = {
    # The module's own timing; swarmscope has swarmscope_scrape_collector_duration_seconds
    # and swarmscope_ceph_command_duration_seconds{command}.
    "ceph_prometheus_collect_duration_seconds_sum",
    "ceph_prometheus_collect_duration_seconds_count",
}



LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{family: {"type": t, "series": {labelset: value}}} (sums/counts are their own)."""
    out = {}
    types = {}
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            fail(f"unparsable line: {line!r}")
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        ls = tuple(sorted(LABEL.findall(labels)))
        v = float(value.replace("+Inf", "inf").replace("-Inf", "-inf"))
        fam = out.setdefault(name, {"type": types.get(name, "untyped"), "series": {}})
        fam["series"][ls] = v
    return out


def get(url, timeout=15):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def sample(fams, family, **labels):
    fam = fams.get(family)
    if not fam:
        return None
    for ls, v in fam["series"].items():
        d = dict(ls)
        if all(d.get(k) == want for k, want in labels.items()):
            return v
    return None


class Cluster:
    def __init__(self, root):
        self.dir = os.path.join(root, "ceph")
        self.run("start")
        self.env = {}
        with open(os.path.join(self.dir, "env")) as f:
            for line in f:
                k, _, v = line.strip().removeprefix("export ").partition("=")
                self.env[k] = shlex.split(v)[0] if v else ""

    def run(self, *args):
        r = subprocess.run(["bash", CLUSTER, args[0], self.dir, *args[1:]], capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            fail(f"cluster.sh {' '.join(args)}: {r.stdout}{r.stderr}")
        return r.stdout

    def stop(self):
        subprocess.run(["bash", CLUSTER, "stop", self.dir], capture_output=True, timeout=120)


class Swarmscope:
    def __init__(self, root, name, cluster, keyring=None, extra=()):
        self.log_path = os.path.join(root, f"{name}.log")
        self.log = open(self.log_path, "w")
        args = [BINARY, "--web.listen-address=127.0.0.1:0", "--collector.disable-defaults",
                "--collector.ceph", "--cluster.metrics=always",
                f"--ceph.config={cluster.env['CEPH_CONF']}",
                f"--ceph.user={cluster.env['CEPH_RO_USER']}",
                f"--ceph.keyring={keyring or cluster.env['CEPH_RO_KEYRING']}",
                f"--ceph.admin-socket-dir={cluster.env['CEPH_RUN_DIR']}",
                "--ceph.refresh-interval=1s", "--ceph.mon-op-timeout=2s",
                "--ceph.connect-timeout=3s", "--scrape.timeout=5s", *extra]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        for _ in range(200):
            text = open(self.log_path).read()
            m = re.search(r'msg="swarmscope started".*?port=(\d+)', text) or \
                re.search(r'"msg":"swarmscope started".*?"port":"(\d+)"', text)
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                fail(f"{name} exited at start: {text}")
            time.sleep(0.05)
        if not self.port:
            fail(f"{name} did not start")

    def metrics(self, timeout=15):
        return get(f"http://127.0.0.1:{self.port}/metrics", timeout)

    def threads(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"Threads:\s+(\d+)", f.read()).group(1))

    def wait(self, what, pred, timeout=60):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = parse(self.metrics())
            if pred(last):
                return last
            time.sleep(0.5)
        own = "\n".join(f"{n}{dict(ls)} {v}" for n, fam in (last or {}).items()
                        if n.startswith("swarmscope_") for ls, v in fam["series"].items())
        log = open(self.log_path).read()[-3000:]
        fail(f"timed out waiting for {what}\n{own}\n--- log:\n{log}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("swarmscope did not stop within 10 s of SIGTERM")


def ceph_families(fams):
    return {n: f for n, f in fams.items() if n.startswith("ceph_") and n not in NOT_OURS}


def compare(mgr1, mgr2, ours1, ours2):
    """Differences between the module and swarmscope: (kind, family, labels, message)."""
    problems = []
    m1, m2, o1, o2 = map(ceph_families, (mgr1, mgr2, ours1, ours2))
    for name in sorted(set(m1) | set(o1)):
        if name not in o1:
            problems.append(("family", name, None, f"family only in the mgr module: {name}"))
            continue
        if name not in m1:
            problems.append(("family", name, None, f"family only in swarmscope: {name}"))
            continue
        if m1[name]["type"] != o1[name]["type"]:
            problems.append(("type", name, None,
                             f"{name}: type {o1[name]['type']} (module: {m1[name]['type']})"))
        ms, os_ = m1[name]["series"], o1[name]["series"]
        if name == "ceph_pool_objects_repaired":
            # The module labels this one family `poolid`; swarmscope adds the `pool_id` that
            # every other pool family has (and keeps `poolid`).
            os_ = {tuple(l for l in ls if l[0] != "pool_id"): v for ls, v in os_.items()}
        if name == "ceph_health_detail":
            # The module keeps every check it ever saw in the mon store (at 0 once cleared),
            # which a read-only user cannot read; swarmscope keeps the checks seen since it
            # started. Compare the active ones.
            ms = {ls: v for ls, v in ms.items() if v == 1}
            os_ = {ls: v for ls, v in os_.items() if v == 1}
        ms2 = m2.get(name, {"series": {}})["series"]
        os2 = o2.get(name, {"series": {}})["series"]
        if name == "ceph_pool_objects_repaired":
            os2 = {tuple(l for l in k if l[0] != "pool_id"): v for k, v in os2.items()}
        if name == "ceph_health_detail":
            ms2 = {ls: v for ls, v in ms2.items() if v == 1}
            os2 = {ls: v for ls, v in os2.items() if v == 1}
        if name == "ceph_daemon_health_metrics":
            # The mgr gets PENDING_CREATING_PGS in the OSDs' reports to it; no admin socket
            # command shows it, and swarmscope leaves it out rather than write a made-up 0.
            known = [ls for ls in ms if ("type", "PENDING_CREATING_PGS") in ls]
            for ls in known:
                print(f"known difference: {name}{dict(ls)} only in the mgr module", flush=True)
            ms = {ls: v for ls, v in ms.items() if ls not in known}
            ms2 = {ls: v for ls, v in ms2.items() if ("type", "PENDING_CREATING_PGS") not in ls}
            # A mon's SLOW_OPS comes and goes in the module: the mon hands its health metrics
            # to its mgr client at each tick (5 s) and the client moves them into the next
            # report only (1 s), which replaces the mgr's copy. swarmscope always has it.
            flapping = [ls for ls in os_ if ("type", "SLOW_OPS") in ls
                        and dict(ls)["ceph_daemon"].startswith("mon.")
                        and (ls not in ms or ls not in ms2)]
            for ls in flapping:
                print(f"known difference: {name}{dict(ls)} missing from some of the module's "
                      "answers", flush=True)
            os_ = {ls: v for ls, v in os_.items() if ls not in flapping}
            os2 = {ls: v for ls, v in os2.items() if ls not in flapping}
        for ls in sorted(set(ms) | set(os_)):
            # A series that came or went between a side's two reads (a daemon's report to
            # the mgr in flight) is not compared; one stable on both sides must match.
            if (ls in ms) != (ls in ms2) or (ls in os_) != (ls in os2):
                continue
            if ls not in os_:
                problems.append(("only_mgr", name, ls, f"{name}{dict(ls)}: only in the mgr module"))
            elif ls not in ms:
                problems.append(("only_ours", name, ls, f"{name}{dict(ls)}: only in swarmscope"))
            elif ms[ls] == ms2[ls] and os_[ls] == os2[ls] and ms[ls] != os_[ls]:
                problems.append(("value", name, ls, f"{name}{dict(ls)}: {os_[ls]} (module: {ms[ls]})"))
    return problems


def equivalence(cluster, scope):
    mgr_url = cluster.env["CEPH_MGR_METRICS"]
    # Both sides settle: the module rebuilds its cache every few seconds, swarmscope every 1 s.
    scope.wait("the first refresh and the daemon counters",
               lambda f: sample(f, "swarmscope_ceph_cluster_refresh_pending") == 0
               and sample(f, "ceph_osd_op_r", ceph_daemon="osd.0") is not None)
    # The module's cache lacks the daemons' counters for its first rebuilds after start.
    deadline = time.time() + 60
    while True:
        mgr1 = parse(get(mgr_url))
        if all(sample(mgr1, n, ceph_daemon=d) is not None for n, d in
               (("ceph_osd_op_r", "osd.0"), ("ceph_osd_op_r", "osd.1"),
                ("ceph_mon_num_sessions", "mon.a"), ("ceph_mds_request", "mds.a"))):
            break
        if time.time() > deadline:
            fail("the mgr module never listed every daemon's counters")
        time.sleep(1)
    # The module answers from a cache it rebuilds every few seconds, so its two reads must come
    # from two rebuilds that enclose swarmscope's two reads: a value the module shows the same
    # in both did not change in between, and swarmscope must show it too.
    ours1 = parse(scope.metrics())
    time.sleep(2)
    ours2 = parse(scope.metrics())
    before = get(mgr_url)
    deadline = time.time() + 45
    while True:
        text = get(mgr_url)
        if text != before:
            break
        if time.time() > deadline:
            fail("the mgr module did not rebuild its answer in 45 s")
        time.sleep(0.5)
    mgr2 = parse(text)
    problems = compare(mgr1, mgr2, ours1, ours2)
    # A series one side lacked in both reads may still be one that comes and goes (the mgr
    # keeps a daemon's health metrics only from its latest report): read both sides again
    # across two of the module's cache rebuilds; what shows up in any read is no difference.
    if any(kind in ("only_mgr", "only_ours") for kind, *_ in problems):
        extra_mgr, extra_ours = [], []
        for _ in range(16):
            time.sleep(2)
            extra_mgr.append(parse(get(mgr_url)))
            extra_ours.append(parse(scope.metrics()))

        def seen(reads, name, ls):
            return any(ls in r.get(name, {"series": {}})["series"] for r in reads)

        problems = [p for p in problems
                    if not (p[0] == "only_mgr" and seen(extra_ours, p[1], p[2]))
                    and not (p[0] == "only_ours" and seen(extra_mgr, p[1], p[2]))]
    problems = [p[3] for p in problems]
    n_fam = len(ceph_families(mgr1))
    n_series = sum(len(f["series"]) for f in ceph_families(mgr1).values())
    if problems:
        print("\n".join(problems), file=sys.stderr)
        fail(f"{len(problems)} differences from the mgr module ({n_fam} families)")
    ok(f"same families, label sets and stable values as the mgr module: {n_fam} families, "
       f"{n_series} series")
    return set(mgr1)


def promtool(text, root, module_names):
    """promtool's findings may only be naming lints, on names the mgr module itself uses."""
    path = os.path.join(root, "ours.prom")
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run(["promtool", "check", "metrics"], stdin=open(path), capture_output=True,
                       text=True)
    naming = re.compile(r'counter metrics should have "_total" suffix|'
                        r'non-counter metrics should not have "_total" suffix|'
                        r'metric names should not contain abbreviated units|'
                        r'use base unit "seconds" instead of "milliseconds"|'
                        r'metric names should be written in \'snake_case\' not \'camelCase\'|'
                        r'metric names should not contain \':\'|'
                        r'non-histogram and non-summary metrics should not have "_count" suffix|'
                        r'non-histogram and non-summary metrics should not have "_sum" suffix')
    findings = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    bad = [l for l in findings
           if not (naming.search(l) and l.split(" ", 1)[0] in module_names)]
    if bad:
        fail("promtool check metrics: " + "\n".join(bad))
    ok(f"promtool check metrics: only the module's own naming lints ({len(findings)} on "
       f"{len({l.split(' ', 1)[0] for l in findings})} of its names)")


def osd_fault(cluster, scope):
    cluster.run("stop-daemon", "osd.0")
    f = scope.wait("osd.0 down", lambda f: sample(f, "ceph_osd_up", ceph_daemon="osd.0") == 0
                   and sample(f, "ceph_health_detail", name="OSD_DOWN") == 1)
    if sample(f, "ceph_health_status") != 1:
        fail(f"ceph_health_status {sample(f, 'ceph_health_status')} with an OSD down")
    # A daemon that stops cleanly removes its socket: its counters go (a crashed one leaves
    # the file behind: socket_up 0); the others' stay.
    scope.wait("osd.0's counters gone, osd.1's still there", lambda f:
               sample(f, "swarmscope_ceph_daemon_socket_up", ceph_daemon="osd.0") in (None, 0)
               and sample(f, "ceph_osd_op_r", ceph_daemon="osd.0") is None
               and sample(f, "ceph_osd_op_r", ceph_daemon="osd.1") is not None)
    ok("osd.0 stopped: ceph_osd_up 0, HEALTH_WARN, OSD_DOWN active, its counters gone, "
       "osd.1's served")
    cluster.run("start-daemon", "osd.0")
    scope.wait("osd.0 back", lambda f: sample(f, "ceph_osd_up", ceph_daemon="osd.0") == 1
               and sample(f, "ceph_health_detail", name="OSD_DOWN") == 0
               and sample(f, "swarmscope_ceph_daemon_socket_up", ceph_daemon="osd.0") == 1,
               timeout=90)
    ok("osd.0 back: ceph_osd_up 1, OSD_DOWN cleared (0), its socket up")


def mon_fault(cluster, scope):
    threads_before = scope.threads()
    cluster.run("stop-daemon", "mon.a")
    t_stop = time.time()
    last_success = None
    max_threads = threads_before
    slowest = 0.0
    failed_seen = False
    # Three refresh failures in a row make it reconnect: stay down long enough for that.
    while time.time() - t_stop < 25:
        t0 = time.time()
        f = parse(scope.metrics(timeout=10))  # the deadline is 5 s: it must answer
        slowest = max(slowest, time.time() - t0)
        max_threads = max(max_threads, scope.threads())
        if sample(f, "swarmscope_scrape_collector_success", collector="ceph") == 0:
            failed_seen = True
        ts = sample(f, "swarmscope_collector_last_success_timestamp_seconds", collector="ceph")
        if last_success is None:
            last_success = ts
        elif ts is not None and ts > last_success and time.time() - t_stop > 5:
            fail(f"the data time moved on with the mon down ({ts} > {last_success})")
        if sample(f, "ceph_health_status") is None:
            fail("the last rendering was dropped while the mon is down")
        time.sleep(1)
    if not failed_seen:
        fail("the ceph collector never reported failure with the mon down")
    age = time.time() - last_success
    if age < 15:
        fail(f"the data age did not grow with the mon down ({age:.1f} s)")
    if max_threads > threads_before + 24:
        fail(f"threads piled up with the mon down: {threads_before} -> {max_threads}")
    ok(f"mon down: scrapes answered (slowest {slowest:.2f} s, deadline 5 s), success 0, last "
       f"data served, its age {age:.0f} s and growing, threads {threads_before} -> "
       f"at most {max_threads}")
    cluster.run("start-daemon", "mon.a")
    t_back = time.time()
    f = scope.wait("the collector to recover", lambda f:
                   sample(f, "swarmscope_scrape_collector_success", collector="ceph") == 1
                   and sample(f, "swarmscope_ceph_cluster_refresh_success") == 1, timeout=120)
    ts = sample(f, "swarmscope_collector_last_success_timestamp_seconds", collector="ceph")
    if ts is None or ts < t_back - 1:
        fail("the data time did not move on after the mon came back")
    if scope.proc.poll() is not None:
        fail("swarmscope exited")
    ok(f"mon back: recovered in {time.time() - t_back:.1f} s without a restart, fresh data")


def wrong_keyring(cluster, root):
    bad = os.path.join(root, "wrong.keyring")
    # A well-formed key that the cluster does not know, made now (no key in the repository).
    key = subprocess.run(["ceph-authtool", "--gen-print-key"], capture_output=True, text=True,
                         check=True).stdout.strip()
    with open(bad, "w") as f:
        f.write(f"[client.swarmscope]\n\tkey = {key}\n")
    scope = Swarmscope(root, "wrong-keyring", cluster, keyring=bad)
    time.sleep(6)
    f = parse(scope.metrics())
    if scope.proc.poll() is not None:
        fail("swarmscope exited with a wrong keyring")
    log = open(scope.log_path).read()
    if "authentication refused for client.swarmscope" not in log:
        fail(f"no clear log line for a wrong keyring: {log[-2000:]}")
    if sample(f, "swarmscope_ceph_cluster_connected") != 0:
        fail("connected with a wrong keyring?")
    attempts = sample(f, "swarmscope_collector_errors_total", collector="ceph", cause="connect")
    if attempts is None or not 1 <= attempts <= 4:
        fail(f"connect attempts in 6 s: {attempts} (expected a backoff: 1 s, 2 s, ...)")
    scope.stop()
    ok(f"wrong keyring: a clear log line, {attempts:.0f} attempts in 6 s (backoff), "
       "/metrics answering, no exit")


def main():
    root = tempfile.mkdtemp(prefix="swarmscope-ceph.")
    cluster = None
    scope = None
    try:
        t0 = time.time()
        cluster = Cluster(root)
        ok(f"cluster up in {time.time() - t0:.1f} s")
        scope = Swarmscope(root, "swarmscope", cluster)
        module_names = equivalence(cluster, scope)
        promtool(scope.metrics(), root, module_names)
        osd_fault(cluster, scope)
        mon_fault(cluster, scope)
        wrong_keyring(cluster, root)
        scope.stop()
        scope = None
        ok("swarmscope stopped on SIGTERM")
    finally:
        if scope:
            scope.proc.kill()
        if cluster:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
    summary("ceph_test")


if __name__ == "__main__":
    main()
