#!/usr/bin/env python3
"""The keepalived exporter on real VRRP: Debian's keepalived 2.2.7 on three "nodes" (network
namespaces on one bridge, tests/keepalived/lab.sh), one swarmscope per node in the node's
namespace, as the global service runs on the host's network. Every scenario is checked
through each node's /metrics, and the time it took to show up is printed:

steady state, a graceful stop of the master (failover) and its restart (preemption), a
SIGKILL of the master (the VIP lingers on the dead node; the wire shows the new master),
the master's link down (FAULT), a tracked script failing, and a forced split brain
(adverts dropped between two nodes) and its recovery.

keepalived's dumps are refreshed as the shipped deployment refreshes them (a loop sending
the DATA/STATS/JSON signals every second, like provisioning's keepalived-dump service);
swarmscope itself never signals keepalived.

    tests/integration/keepalived_test.py build/ci/swarmscope
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from checks import fail, ok, stop, summary

BINARY = os.path.abspath(sys.argv[1])
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, "tests", "keepalived", "lab.sh")
PORT = 9101
NODES = (1, 2, 3)
VIP = "198.51.100.100"
IP = {k: f"198.51.100.1{k}" for k in NODES}


def lab(*args, check=True):
    r = subprocess.run(["bash", LAB, *map(str, args)], capture_output=True, text=True,
                       timeout=60)
    if check and r.returncode != 0:
        fail(f"lab.sh {' '.join(map(str, args))}: {r.stderr.strip()}")
    return r.stdout


LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(text):
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m and not line.startswith("#"):
            out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


class Node:
    def __init__(self, work, k):
        self.k = k
        self.ns = lab("ns", work, k).strip()
        self.log = open(os.path.join(work, f"node{k}", "swarmscope.log"), "w")
        subprocess.run(["ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up"],
                       check=True)
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, BINARY, f"--web.listen-address=127.0.0.1:{PORT}",
             "--collector.disable-defaults", "--collector.keepalived",
             f"--keepalived.dump-dir={work}/node{k}/tmp", "--keepalived.dump-max-age=10s",
             f"--node.name=n{k}", "--log.level=info"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20  # a sanitized build starts slowly
        while subprocess.run(["ip", "netns", "exec", self.ns, "curl", "-sf", "-o", "/dev/null",
                              f"http://127.0.0.1:{PORT}/healthz"]).returncode != 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                fail(f"n{k}: swarmscope did not start (see {self.log.name})")
            time.sleep(0.1)

    def scrape(self):
        r = subprocess.run(["ip", "netns", "exec", self.ns, "curl", "-sf", "--max-time", "5",
                            f"http://127.0.0.1:{PORT}/metrics"], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"n{self.k}: /metrics did not answer (curl {r.returncode})")
        self.last = r.stdout
        return parse(r.stdout)

    def stop(self):
        stop(self.proc)
        self.log.close()


def value(samples, name, **labels):
    for n, ls, v in samples:
        if n == name and all(ls.get(k) == str(x) for k, x in labels.items()):
            return v
    return None


class Dumper(threading.Thread):
    """What the deployment does: every second, ask each running keepalived for its dumps."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work = work
        self.stopped = threading.Event()
        signum = lambda n: int(subprocess.run(["keepalived", f"--signum={n}"], text=True,
                                              capture_output=True).stdout.strip())
        self.signals = [signum("DATA"), signum("STATS"), signum("JSON")]

    def run(self):
        while not self.stopped.wait(1.0):
            for k in NODES:
                try:
                    pid = int(open(f"{self.work}/node{k}/keepalived.pid").read().strip())
                    for s in self.signals:
                        os.kill(pid, s)
                        time.sleep(0.02)
                except (OSError, ValueError):
                    pass  # not running


def main():
    for tool in ("keepalived", "ip", "curl", "nft"):
        if shutil.which(tool) is None:
            fail(f"{tool} is missing (provisioning/install-deps.sh test installs it)")
    work = tempfile.mkdtemp(prefix="swarmscope-ka.")
    nodes, dumper = {}, None
    try:
        t0 = time.monotonic()
        lab("up", work)
        ok(f"lab up: keepalived on 3 nodes, n1 MASTER ({time.monotonic() - t0:.1f} s)")
        for k in NODES:
            nodes[k] = Node(work, k)
        dumper = Dumper(work)
        dumper.start()

        def wait(what, timeout, cond, since=None):
            """Until cond holds on every node's scrape; the time printed counts from `since`
            (when the action was taken), else from now."""
            start = since if since is not None else time.monotonic()
            while True:
                seen = {k: n.scrape() for k, n in nodes.items() if n is not None}
                try:
                    good = cond(seen)
                except TypeError:  # a value still missing (None)
                    good = False
                if good:
                    ok(f"{what} ({time.monotonic() - start:.2f} s after the action)"
                       if since is not None else f"{what} (after {time.monotonic() - start:.2f} s)")
                    return seen
                if time.monotonic() - start > timeout:
                    detail = "\n".join(
                        f"--- n{k}:\n" + "\n".join(l for l in n.last.splitlines()
                                                   if l.startswith(("keepalived_vip_present",
                                                                    "keepalived_wire_m",
                                                                    "keepalived_wire_split",
                                                                    "keepalived_vrrp_state",
                                                                    "keepalived_up",
                                                                    "swarmscope_collector_err")))
                        for k, n in nodes.items())
                    fail(f"{what}: not within {timeout} s\n{detail}")
                time.sleep(0.2)

        def master_on_wire(s, k, ip):
            return value(s[k], "keepalived_wire_master_info", vrid=51, master_ip=ip) == 1

        def holders(s):
            return sorted(k for k in s if value(s[k], "keepalived_vip_present", vip=VIP) == 1)

        def state(s, k):
            return value(s[k], "keepalived_vrrp_state", iname="VI_1")

        # --- steady state ---
        wait("steady: every node sees n1 as master on the wire, n1 alone holds the VIP and "
             "sends the adverts, nobody sees a split brain", 15,
             lambda s: all(master_on_wire(s, k, IP[1]) for k in NODES) and holders(s) == [1]
             and [value(s[k], "keepalived_wire_master", vrid=51) for k in NODES] == [1, 0, 0]
             and all(value(s[k], "keepalived_wire_split_brain", vrid=51) == 0 for k in NODES)
             and all(value(s[k], "keepalived_wire_master_priority", vrid=51) == 150
                     for k in NODES))
        wait("steady: the dumps say n1 MASTER, n2 and n3 BACKUP, keepalived_up 1", 15,
             lambda s: [state(s, k) for k in NODES] == [2, 1, 1]
             and all(value(s[k], "keepalived_up") == 1 for k in NODES)
             and value(s[1], "keepalived_advertisements_sent_total", iname="VI_1") > 0
             and value(s[2], "keepalived_vrrp_effective_priority", iname="VI_1") == 100)
        nodes[1].scrape()
        path = os.path.join(work, "n1.prom")
        open(path, "w").write(nodes[1].last)
        r = subprocess.run(["promtool", "check", "metrics"], stdin=open(path), text=True,
                           capture_output=True)
        if r.returncode != 0:
            fail(f"promtool check metrics: {r.stdout}{r.stderr}")
        ok("promtool check metrics passes")

        # --- graceful stop of the master: failover ---
        t = time.monotonic()
        lab("stop", work, 1)
        wait("graceful stop of n1: n2 and n3 see n2 as master, n2 holds the VIP, n1's "
             "priority-0 advert was seen", 10,
             lambda s: all(master_on_wire(s, k, IP[2]) for k in (2, 3)) and holders(s) == [2]
             and value(s[3], "keepalived_wire_priority_zero_total", vrid=51) >= 1
             and value(s[3], "keepalived_wire_master_changes_total", vrid=51) >= 1, since=t)
        wait("n1's dumps stop: keepalived_up 0 on n1 after --keepalived.dump-max-age", 20,
             lambda s: value(s[1], "keepalived_up") == 0 and state(s, 2) == 2)

        # --- restart: preemption ---
        t = time.monotonic()
        lab("start", work, 1)
        wait("n1 restarted: it preempts, every node sees n1 as master, n1 alone holds the VIP",
             15, lambda s: all(master_on_wire(s, k, IP[1]) for k in NODES) and holders(s) == [1]
             and value(s[1], "keepalived_up") == 1 and state(s, 1) == 2, since=t)

        # --- SIGKILL of the master ---
        t = time.monotonic()
        lab("kill", work, 1)
        wait("SIGKILL of n1: the wire shows n2 as master everywhere (n1 sends nothing), the "
             "VIP lingers on n1: two holders", 15,
             lambda s: all(master_on_wire(s, k, IP[2]) for k in NODES) and holders(s) == [1, 2]
             and value(s[1], "keepalived_wire_master", vrid=51) == 0
             and value(s[2], "keepalived_wire_master", vrid=51) == 1, since=t)
        t = time.monotonic()
        lab("start", work, 1)
        wait("n1 back after the kill: it preempts, the lingering VIP is gone, one holder", 15,
             lambda s: all(master_on_wire(s, k, IP[1]) for k in NODES) and holders(s) == [1], since=t)

        # --- the master's link down: FAULT ---
        t = time.monotonic()
        lab("link", work, 1, "down")
        wait("n1's eth0 down: n1 FAULT in its dumps and no VIP, n2 master for n2 and n3", 15,
             lambda s: state(s, 1) == 3 and holders(s) == [2]
             and all(master_on_wire(s, k, IP[2]) for k in (2, 3)), since=t)
        t = time.monotonic()
        lab("link", work, 1, "up")
        wait("n1's eth0 up: n1 preempts again", 15,
             lambda s: all(master_on_wire(s, k, IP[1]) for k in NODES) and holders(s) == [1]
             and state(s, 1) == 2, since=t)

        # --- a tracked script failing ---
        t = time.monotonic()
        lab("track", work, 1, "fail")
        wait("n1's tracked script fails: effective priority 70 in its dumps, n2 (100) master "
             "on the wire", 15,
             lambda s: value(s[1], "keepalived_vrrp_effective_priority", iname="VI_1") == 70
             and all(master_on_wire(s, k, IP[2]) for k in NODES) and holders(s) == [2]
             and value(s[3], "keepalived_wire_master_priority", vrid=51) == 100, since=t)
        t = time.monotonic()
        lab("track", work, 1, "ok")
        wait("n1's script good again: n1 master", 15,
             lambda s: all(master_on_wire(s, k, IP[1]) for k in NODES) and holders(s) == [1], since=t)

        # --- split brain ---
        t = time.monotonic()
        lab("split", work, 1, 2, "on")
        wait("adverts dropped between n1 and n2: both hold the VIP, n3 sees two masters and "
             "a split brain", 15,
             lambda s: holders(s) == [1, 2]
             and value(s[3], "keepalived_wire_masters", vrid=51) == 2
             and value(s[3], "keepalived_wire_split_brain", vrid=51) == 1, since=t)
        t = time.monotonic()
        lab("split", work, 1, 2, "off")
        wait("split healed: n1 alone holds the VIP, no split brain anywhere", 15,
             lambda s: holders(s) == [1]
             and all(value(s[k], "keepalived_wire_split_brain", vrid=51) == 0 for k in NODES)
             and all(value(s[k], "keepalived_wire_masters", vrid=51) == 1 for k in NODES), since=t)

        # --- forged and malformed VRRP packets on the wire ---
        forge = r"""
import socket, struct, sys
def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
good = bytearray(struct.pack("!BBBBBBH4s8s", 0x21, 99, 100, 1, 0, 1, 0,
                             socket.inet_aton("198.51.100.199"), b"\0" * 8))
good[6:8] = struct.pack("!H", checksum(bytes(good)))
bad = bytearray(good); bad[6] ^= 0xff             # wrong checksum
short = bytes(good[:6])                           # cut inside the header
huge = bytearray(good); huge[3] = 255             # 255 addresses that are not there
for pkt in (bad, short, huge):
    s.sendto(bytes(pkt), ("198.51.100.11", 0))  # to n1 (the namespaces have no multicast route)
"""
        t = time.monotonic()
        subprocess.run(["ip", "netns", "exec", nodes[3].ns, "python3", "-c", forge], check=True)
        wait("forged adverts from n3 (bad checksum, cut short, 255 addresses): counted on n1 "
             "by cause, no VRID 99 appears, /metrics keeps answering", 10,
             lambda s: value(s[1], "keepalived_wire_packet_errors_total", cause="bad_checksum") >= 1
             and value(s[1], "keepalived_wire_packet_errors_total", cause="truncated") >= 1
             and sum(v for n, ls, v in s[1] if n == "keepalived_wire_packet_errors_total") >= 3
             and value(s[1], "keepalived_wire_masters", vrid=99) is None, since=t)

        for k, n in nodes.items():
            if n.proc.poll() is not None:
                fail(f"n{k}: swarmscope exited ({n.proc.returncode})")
        summary("keepalived_test")
    finally:
        if dumper:
            dumper.stopped.set()
        for n in nodes.values():
            n.stop()
        lab("down", work, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
