#!/usr/bin/env python3
"""The cgroup exporter on real cgroups of this machine.

Creates container-like cgroups (/docker/<id>) in every cgroup hierarchy the kernel has
mounted, moves real processes into them (a CPU burner with threads, a memory allocator, a
process that overruns a small memory limit; a running, a sleeping and a stopped process for
the task states), and checks what swarmscope serves against the kernel's own files and
against the expected direction of change. Task states are checked as the kernel's
cgroupstats counts them (cgroup v1) and as /proc does (where cgroupstats misses tasks, or on
v2). Then the daemon runs in a pid namespace of its own over the host's /proc (as in a swarm
service, which cannot have `pid: host`): processes, network, the /proc I/O fallback and task
states of a container with real processes, and no container given the host's interfaces.
Run as root:

    tests/integration/cgroup_test.py build/ci/swarmscope
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from checks import fail, ok, summary

BINARY = sys.argv[1]
IDS = {
    "busy": "5a" * 32,
    "mem": "5b" * 32,
    "oom": "5c" * 32,
    "v1only": "5d" * 32,
    "states": "5e" * 32,
    "freezable": "5f" * 32,
    "pidns_app": "71" * 32,
    "pidns_self": "72" * 32,
}



def hierarchies():
    """Mount point of every cgroup hierarchy, from mountinfo (never assume a layout)."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fstype, _, supers = right.split()[:3]
            mount_point = left.split()[4]
            if fstype == "cgroup2":
                out["unified"] = mount_point
            elif fstype == "cgroup":
                for c in ("cpu", "cpuacct", "memory", "pids", "blkio"):
                    if c in supers.split(","):
                        out.setdefault(c, mount_point)
    return out


H = hierarchies()
V2 = "memory" not in H


def cgroup_dirs(cid):
    return sorted({os.path.join(m, "docker", cid) for m in H.values()})


def controller_dir(controller, cid):
    return os.path.join(H["unified" if V2 else controller], "docker", cid)


def read(path):
    with open(path) as f:
        return f.read()


def make_cgroup(cid):
    for d in cgroup_dirs(cid):
        os.makedirs(d, exist_ok=True)


def remove_cgroup(cid):
    for d in cgroup_dirs(cid):
        for _ in range(50):
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)


WORKER = r"""
import os, sys, threading, time
dirs = sys.argv[1].split(":")
mode = sys.argv[2]
for d in dirs:
    with open(os.path.join(d, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
sys.stdout.write("joined\n"); sys.stdout.flush()
if mode == "busy":
    def burn():
        x = 0
        while True:
            x += 1
    for _ in range(3):
        threading.Thread(target=burn, daemon=True).start()
    burn()
elif mode == "mem":
    blocks = []
    for line in sys.stdin:
        n = int(line)
        if n > 0:
            b = bytearray(n << 20)
            for i in range(0, len(b), 4096):
                b[i] = 1
            blocks.append(b)
            del b
        else:
            blocks.clear()
        sys.stdout.write("done\n"); sys.stdout.flush()
elif mode == "oom":
    blocks = []
    while True:
        b = bytearray(8 << 20)
        for i in range(0, len(b), 4096):
            b[i] = 1
        blocks.append(b)
"""


def start_worker(cid, mode):
    p = subprocess.Popen([sys.executable, "-c", WORKER, ":".join(cgroup_dirs(cid)), mode],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if p.stdout.readline().strip() != "joined":
        fail(f"worker {mode} did not join its cgroup")
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    def __init__(self, flags=(), prefix=()):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([*prefix, BINARY, f"--web.listen-address=127.0.0.1:{self.port}",
                                      "--log.level=warn", *flags], stdout=self.log, stderr=self.log)
        for _ in range(100):
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.05)
        fail("swarmscope did not start")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return r.read().decode()

    def scrape(self):
        text = self.get("/metrics")
        samples = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)', line)
            if m:
                samples[(m.group(1), m.group(2) or "")] = float(m.group(3))
        return text, samples

    def stop(self, pid=None):
        os.kill(pid or self.proc.pid, signal.SIGTERM)
        rc = self.proc.wait(timeout=5)
        self.log.seek(0)
        return rc, self.log.read().decode()


def value(samples, name, cid, extra=""):
    """The sample of `name` for container `cid` (any label order), or None."""
    for (n, labels), v in samples.items():
        if n == name and f'id="/docker/{cid}"' in labels and extra in labels:
            return v
    return None


def join_cgroup(cid, pid):
    for d in cgroup_dirs(cid):
        with open(os.path.join(d, "cgroup.procs"), "w") as f:
            f.write(str(pid))


def task_states(samples, cid):
    """container_tasks_state of `cid` by state."""
    return {state: value(samples, "container_tasks_state", cid, f'state="{state}"')
            for state in ("running", "sleeping", "stopped", "uninterruptible", "iowait")}


def check_task_states(daemon, cid, source):
    """A running, a sleeping and a stopped process are counted as such; iowait only when
    the kernel counted (cgroupstats)."""
    for _ in range(20):  # the busy process may be caught between two time slices
        _, s = daemon.scrape()
        states = task_states(s, cid)
        if states["running"] == 1:
            break
        time.sleep(0.1)
    want = {"running": 1, "sleeping": 1, "stopped": 1, "uninterruptible": 0}
    got = {k: states[k] for k in want}
    if got != want:
        fail(f"task states from {source}: {got}, expected {want}")
    if source == "/proc" and states["iowait"] is not None:
        fail("an iowait series without cgroupstats (/proc cannot tell I/O waits apart)")
    if source == "cgroupstats" and states["iowait"] != 0:
        fail(f"cgroupstats iowait {states['iowait']}, expected 0")
    ok(f"task states from {source}: running 1, sleeping 1, stopped 1, uninterruptible 0"
       f"{', iowait 0' if source == 'cgroupstats' else ', no iowait series'}")


IO_WORKER = r"""
import os, sys
sys.stdin.readline()
with open(sys.argv[1], "wb") as f:
    f.write(os.urandom(8 << 20))
    f.flush()
    os.fsync(f.fileno())
sys.stdout.write("written\n"); sys.stdout.flush()
sys.stdin.readline()
"""


def host_interfaces():
    """The host's interfaces as the exporter reports them (no lo, veth*, docker*)."""
    names = [line.split(":")[0].strip() for line in read("/proc/1/net/dev").splitlines()[2:]]
    return {n for n in names if n != "lo" and not n.startswith(("veth", "docker"))}


def check_other_pid_namespace(workers):
    """The daemon in a pid namespace of its own, reading the host's /proc (not remounted):
    cgroup.procs lists nothing of other containers there, and its own pid 1 is the host's
    init in that /proc. Its processes come from listing /proc instead."""
    app, me = IDS["pidns_app"], IDS["pidns_self"]
    # The app: its own network namespace with a pair of interfaces of its own, a process
    # that writes 8 MiB to disk, and a sleeping child.
    scratch = tempfile.NamedTemporaryFile(dir="/var/tmp", delete=False)
    scratch.close()
    writer = subprocess.Popen(
        ["unshare", "--net", "sh", "-c",
         "ip link add swarmscope0 type veth peer name swarmscope1 && ip link set swarmscope0 up && "
         f'exec {sys.executable} -c "$0" "$1"', IO_WORKER, scratch.name],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    workers.append(writer)
    for _ in range(100):  # until sh has set the interface up and become python
        if os.path.basename(os.readlink(f"/proc/{writer.pid}/exe")).startswith("python"):
            break
        time.sleep(0.02)
    join_cgroup(app, writer.pid)
    child = subprocess.Popen(["nsenter", f"--net=/proc/{writer.pid}/ns/net", "sleep", "1000"])
    workers.append(child)
    join_cgroup(app, child.pid)
    writer.stdin.write("go\n")
    writer.stdin.flush()
    if writer.stdout.readline().strip() != "written":
        fail("the I/O worker did not write its file")
    os.unlink(scratch.name)

    daemon = Daemon(flags=("--cgroup.parents=/docker",),
                    prefix=("unshare", "--pid", "--fork", "--kill-child"))
    inner = None
    for _ in range(100):
        children = read(f"/proc/{daemon.proc.pid}/task/{daemon.proc.pid}/children").split()
        if children:
            inner = int(children[0])
            break
        time.sleep(0.02)
    if inner is None:
        fail("no daemon under unshare --pid --fork")
    try:
        nspid = [line.split()[1:] for line in read(f"/proc/{inner}/status").splitlines()
                 if line.startswith("NSpid:")]
        if nspid != [[str(inner), "1"]]:
            fail("the daemon is not pid 1 of a pid namespace of its own")
        # The daemon's own container: listed as pid 1 by its cgroup.procs.
        join_cgroup(me, inner)
        _, s = daemon.scrape()
        time.sleep(0.2)
        _, s = daemon.scrape()
        procs = value(s, "container_processes", app)
        if procs != 2:
            fail(f"container_processes of a container in another pid namespace: {procs}, expected 2")
        ok("other pid namespace: container_processes 2 for a container of 2 processes")
        own = value(s, "container_processes", me)
        if own != 1:
            fail(f"container_processes of the collector's own container: {own}, expected 1")
        ok("other pid namespace: the collector's own container has its 1 process")
        nets = sorted(re.search(r'interface="([^"]*)"', labels).group(1) for (n, labels) in s
                      if n == "container_network_receive_bytes_total" and f'id="/docker/{app}"' in labels)
        if nets != ["swarmscope0", "swarmscope1"]:
            fail(f"network of a container in another pid namespace: {nets}, expected its own "
                 "swarmscope0 and swarmscope1")
        ok("other pid namespace: network series from the container's own namespace "
           "(swarmscope0, swarmscope1)")
        host = host_interfaces()
        leaked = sorted(labels for (n, labels), _ in s.items()
                        if n.startswith("container_network_") and 'id="/"' not in labels
                        and any(f'interface="{i}"' in labels for i in host))
        if leaked:
            fail(f"containers reported with the host's interfaces {sorted(host)}: {leaked[:4]}")
        root = {labels for (n, labels) in s if n == "container_network_receive_bytes_total"
                and 'id="/"' in labels}
        if host and not root:
            fail("the root cgroup has no network series (the host's)")
        ok(f"other pid namespace: no container has the host's interfaces ({', '.join(sorted(host))}); "
           "the root cgroup has them")
        written = sum(v for (n, labels), v in s.items() if n == "container_fs_writes_bytes_total"
                      and f'id="/docker/{app}"' in labels)
        if written < 8 << 20:
            fail(f"bytes written by a container in another pid namespace: {written}, expected >= 8 MiB")
        ok(f"other pid namespace: bytes written counted ({written / 2**20:.1f} MiB)")
        states = task_states(s, app)
        if states["sleeping"] != 2 or states["running"] != 0:
            fail(f"task states of a container in another pid namespace: {states}, expected 2 sleeping")
        ok("other pid namespace: task states of the container's processes (2 sleeping)")
        if s.get(("swarmscope_scrape_collector_success", '{collector="cgroup"}')) != 1:
            fail("cgroup collector failed in another pid namespace")
    finally:
        rc, log = daemon.stop(inner)
    if rc != 0 or "level=error" in log:
        fail(f"daemon in another pid namespace: exit code {rc}, log:\n{log}")


def main():
    if os.geteuid() != 0:
        fail("needs root to create cgroups")
    print(f"hierarchies: {H}", flush=True)
    workers = []
    daemon = None
    created_parents = [os.path.join(m, "docker") for m in H.values()
                       if not os.path.isdir(os.path.join(m, "docker"))]
    try:
        for cid in IDS.values():
            make_cgroup(cid)
        # The OOM victim gets a small limit before it starts.
        oom_dir = controller_dir("memory", IDS["oom"])
        if V2:
            open(os.path.join(oom_dir, "memory.max"), "w").write(str(32 << 20))
            open(os.path.join(oom_dir, "memory.swap.max"), "w").write("0")
        else:
            open(os.path.join(oom_dir, "memory.limit_in_bytes"), "w").write(str(32 << 20))
        busy = start_worker(IDS["busy"], "busy")
        mem = start_worker(IDS["mem"], "mem")
        workers += [busy, mem]
        # The exporter's flags are named after it (--cgroup.*); the old names are refused.
        old = subprocess.run([BINARY, "--collector.cgroup.parents=/docker", "--version"], capture_output=True)
        if old.returncode == 0:
            fail("--collector.cgroup.parents is still accepted")
        daemon = Daemon(flags=("--cgroup.parents=/docker",))

        # CPU: grows between scrapes, and sits between the kernel's counter read just before
        # and just after the scrape.
        usage_file = os.path.join(controller_dir("cpuacct", IDS["busy"]),
                                  "cpu.stat" if V2 else "cpuacct.usage")

        def kernel_cpu_seconds():
            text = read(usage_file)
            if V2:
                return int(re.search(r"usage_usec (\d+)", text).group(1)) / 1e6
            return int(text) / 1e9

        before = kernel_cpu_seconds()
        text, s1 = daemon.scrape()
        after = kernel_cpu_seconds()
        cpu1 = value(s1, "container_cpu_usage_seconds_total", IDS["busy"], 'cpu="total"')
        if cpu1 is None or not before <= cpu1 <= after:
            fail(f"cpu usage {cpu1} not within the kernel's {before}..{after}")
        ok(f"CPU usage matches the kernel's counter ({before:.3f} <= {cpu1:.3f} <= {after:.3f})")
        time.sleep(1.0)
        _, s2 = daemon.scrape()
        cpu2 = value(s2, "container_cpu_usage_seconds_total", IDS["busy"], 'cpu="total"')
        if not cpu2 > cpu1 + 0.3:
            fail(f"cpu usage did not grow with a busy process: {cpu1} -> {cpu2}")
        ok(f"CPU usage grows with a busy process ({cpu1:.2f} -> {cpu2:.2f} s in 1 s)")

        # Threads and processes: one process, four threads.
        threads = value(s2, "container_threads", IDS["busy"])
        procs = value(s2, "container_processes", IDS["busy"])
        if threads != 4 or procs != 1:
            fail(f"threads {threads}, processes {procs}; expected 4 and 1")
        ok("threads and processes counted (4 threads in 1 process)")
        # The busy process is on the host's network: no network series of its own.
        host_net = sorted(labels for (n, labels) in s2 if n.startswith("container_network_")
                          and f'id="/docker/{IDS["busy"]}"' in labels)
        if host_net:
            fail(f"a container on the host's network has network series: {host_net[:3]}")
        ok("a container on the host's network namespace has no network series")

        # Memory: the working set follows an allocation of 64 MiB and its release.
        _, s = daemon.scrape()
        ws0 = value(s, "container_memory_working_set_bytes", IDS["mem"])
        mem.stdin.write("64\n")
        mem.stdin.flush()
        mem.stdout.readline()
        _, s = daemon.scrape()
        ws1 = value(s, "container_memory_working_set_bytes", IDS["mem"])
        usage_path = os.path.join(controller_dir("memory", IDS["mem"]),
                                  "memory.current" if V2 else "memory.usage_in_bytes")
        kernel_usage = int(read(usage_path))
        scraped_usage = value(s, "container_memory_usage_bytes", IDS["mem"])
        if not ws1 - ws0 >= 60 << 20:
            fail(f"working set did not follow a 64 MiB allocation: {ws0} -> {ws1}")
        if abs(scraped_usage - kernel_usage) > 4 << 20:
            fail(f"memory usage {scraped_usage} far from the kernel's {kernel_usage}")
        mem.stdin.write("0\n")
        mem.stdin.flush()
        mem.stdout.readline()
        _, s = daemon.scrape()
        ws2 = value(s, "container_memory_working_set_bytes", IDS["mem"])
        if not ws1 - ws2 >= 60 << 20:
            fail(f"working set did not drop after freeing 64 MiB: {ws1} -> {ws2}")
        ok(f"working set follows the allocation ({ws0 / 2**20:.0f} -> {ws1 / 2**20:.0f} -> "
           f"{ws2 / 2**20:.0f} MiB); usage matches the kernel's")

        # OOM: a process that overruns a 32 MiB limit is killed and counted.
        victim = start_worker(IDS["oom"], "oom")
        victim.wait(timeout=30)
        if victim.returncode != -signal.SIGKILL:
            fail(f"the OOM victim ended with {victim.returncode}, not SIGKILL")
        _, s = daemon.scrape()
        ooms = value(s, "container_oom_events_total", IDS["oom"])
        limit = value(s, "container_spec_memory_limit_bytes", IDS["oom"])
        if not ooms or ooms < 1:
            fail(f"container_oom_events_total is {ooms} after an OOM kill")
        if limit != 32 << 20:
            fail(f"memory limit {limit}, expected 32 MiB")
        ok(f"OOM kill counted (container_oom_events_total {ooms:.0f}, limit {limit / 2**20:.0f} MiB)")

        # Containers come and go during scrapes: every scrape still succeeds.
        churn_ids = [f"{i:02x}" * 32 for i in range(0x60, 0x70)]
        for round_ in range(15):
            for cid in churn_ids:
                make_cgroup(cid)
            text, s = daemon.scrape()
            for cid in churn_ids[: 8]:
                remove_cgroup(cid)
            text, s = daemon.scrape()
            for cid in churn_ids[8:]:
                remove_cgroup(cid)
            if s.get(("swarmscope_scrape_collector_success", '{collector="cgroup"}')) != 1:
                fail(f"cgroup collector failed while cgroups came and went (round {round_})")
        ok("cgroups created and removed between and during scrapes: collector success stays 1")

        # On a hybrid host a container may have no directory in the cgroup2 tree (runc with
        # the cgroupfs driver): it is still reported, just without PSI.
        if "unified" in H and not V2:
            os.rmdir(os.path.join(H["unified"], "docker", IDS["v1only"]))
            _, s = daemon.scrape()
            if value(s, "container_memory_usage_bytes", IDS["v1only"]) is None:
                fail("a container without a cgroup2 directory is missing on a hybrid host")
            if value(s, "container_pressure_cpu_waiting_seconds_total", IDS["v1only"]) is not None:
                fail("PSI reported for a container without a cgroup2 directory")
            ok("hybrid host: container without a cgroup2 directory reported, without PSI")

        # Task states: a running, a sleeping and a stopped (SIGSTOP) process in a cgroup. In
        # the first, the sleeper waits in a pipe read (TASK_INTERRUPTIBLE): the kernel's
        # cgroupstats counts it. In the second it waits in nanosleep(), which since Linux 6.1
        # is TASK_INTERRUPTIBLE|TASK_FREEZABLE and which cgroupstats counts in no state: the
        # exporter sees the count fall short of pids.current and counts from /proc instead.
        pipe_r, pipe_w = os.pipe()
        sleepers = {"states": subprocess.Popen(["cat"], stdin=pipe_r, stdout=subprocess.DEVNULL),
                    "freezable": subprocess.Popen(["sleep", "1000"])}
        os.close(pipe_r)
        stopped = []
        for name, sleeper in sleepers.items():
            runner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            halted = subprocess.Popen(["sleep", "1000"])
            workers += [runner, sleeper, halted]
            stopped.append(halted)
            for p in (runner, sleeper, halted):
                join_cgroup(IDS[name], p.pid)
            halted.send_signal(signal.SIGSTOP)
        for p in stopped:
            for _ in range(50):
                if read(f"/proc/{p.pid}/stat").rsplit(")", 1)[1].split()[0] == "T":
                    break
                time.sleep(0.02)
        _, s = daemon.scrape()
        # With an iowait series the kernel counted (cgroup v1, initial network namespace).
        sources = {name: "/proc" if task_states(s, IDS[name])["iowait"] is None else "cgroupstats"
                   for name in sleepers}
        if V2 and "cgroupstats" in sources.values():
            fail("an iowait series on cgroup v2, where cgroupstats does not answer")
        if not V2 and sources["states"] != "cgroupstats":
            print("note: cgroupstats does not answer here: every count is from /proc")
        for name, source in sources.items():
            check_task_states(daemon, IDS[name], source)
        for p in stopped:
            p.send_signal(signal.SIGCONT)
        os.close(pipe_w)

        # The whole scrape of this host passes promtool.
        text, _ = daemon.scrape()
        check = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                               capture_output=True)
        if check.returncode != 0:
            fail(f"promtool check metrics: {check.stdout}{check.stderr}")
        ok("promtool check metrics passes on a scrape of this host")

        rc, log = daemon.stop()
        daemon = None
        if rc != 0:
            fail(f"daemon exit code {rc}")
        if "level=error" in log:
            fail(f"errors in the daemon log:\n{log}")

        check_other_pid_namespace(workers)
    finally:
        if daemon is not None:
            daemon.stop()
        for w in workers:
            w.kill()
            w.wait()
        time.sleep(0.2)
        for cid in list(IDS.values()) + [f"{i:02x}" * 32 for i in range(0x60, 0x70)]:
            remove_cgroup(cid)
        for d in created_parents:  # leave the machine as it was
            try:
                os.rmdir(d)
            except OSError:
                pass
    summary("cgroup_test")


if __name__ == "__main__":
    main()
