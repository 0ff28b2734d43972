#!/usr/bin/env python3
"""The provisioning test: three VMs (node1 and node2 cgroup v2, node3 hybrid v1) built by
provisioning/vm/cluster.sh and provisioned over ssh by exactly the playbooks a user runs
(provisioning/ansible/site.yml), then checked through the real services and Prometheus'
API: the swarm, Ceph and CephFS, the VIP, the stacks, the scrape targets, the series;
faults (the leader's node, the VIP holder, an OSD's node) and their recovery; a second
site.yml run that changes nothing; a 4th node through add-node.yml; teardown.

    tests/provisioning/cluster_test.py BUILD_DIR   # BUILD_DIR/swarmscope: the collector

Every wait has a bound and prints how long it took. KEEP_VMS=1 keeps the VMs after a
failure, REUSE_VMS=1 starts on the VMs (and images) already there. VM_DIR (default BUILD_DIR/vms) holds
the node image (kept between runs: rebuilt only when provisioning/vm/node-image.sh
changes), the disks, the consoles (BUILD_DIR/vms/nodeK/console.log) and ansible's logs.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
sys.path.insert(0, os.path.join(repo, "tests", "integration"))
from checks import fail, ok, summary  # noqa: E402

build = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else fail("usage: cluster_test.py BUILD_DIR")
vm_dir = os.environ.get("VM_DIR", os.path.join(build, "vms"))
cluster = os.path.join(repo, "provisioning", "vm", "cluster.sh")
ansible_dir = os.path.join(repo, "provisioning", "ansible")
env = dict(os.environ, VM_DIR=vm_dir, VM_V1_NODES="node3", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
link = "198.51.100.250"  # cluster.sh's end of the veth pair, where qemu forwards
vip = "192.0.2.100"
started = time.monotonic()
results = []  # lines for BUILD_DIR/provisioning-results.txt


def log(what):
    print(f"[{time.monotonic() - started:6.0f} s] {what}", flush=True)


def run(*args, timeout=600, check=True, quiet=False):
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        sys.stderr.write(out.stdout[-6000:] + out.stderr[-4000:])
        fail(f"{' '.join(args[:4])}...: exit {out.returncode}")
    if not quiet and out.returncode != 0:
        sys.stderr.write(out.stderr[-2000:])
    return out


def ssh(node, command, timeout=120, check=True):
    return run("bash", cluster, "ssh", node, command, timeout=timeout, check=check, quiet=not check)


def wait(what, seconds, probe, interval=3):
    """Polls probe() until it returns a true value (which is returned), for `seconds`."""
    t0 = time.monotonic()
    last = None
    while True:
        try:
            value = probe()
        except (subprocess.TimeoutExpired, OSError, ValueError, KeyError, IndexError) as e:
            value, last = None, e
        if value:
            took = time.monotonic() - t0
            ok(f"{what} (after {took:.0f} s)")
            return value
        if time.monotonic() - t0 > seconds:
            fail(f"{what}: not within {seconds} s (last error: {last})")
        time.sleep(interval)


def prom_node():
    return os.environ.get("PROM_NODE", "node3")


def query(expr, node=None):
    k = int((node or prom_node())[4:])
    url = f"http://{link}:{19090 + k}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        d = json.load(r)
    if d.get("status") != "success":
        raise ValueError(d)
    return [(s["metric"], float(s["value"][1])) for s in d["data"]["result"]]


def playbook(name, *extra, log_name):
    path = os.path.join(vm_dir, log_name)
    t0 = time.monotonic()
    with open(path, "w") as f:  # written as it runs: tail -f it
        rc = subprocess.run(["ansible-playbook", "-i", os.path.join(vm_dir, "inventory.yml"), name, *extra],
                            env=env, stdout=f, stderr=subprocess.STDOUT, timeout=2400, cwd=ansible_dir).returncode
    took = time.monotonic() - t0
    with open(path) as f:
        text = f.read()
    if rc != 0:
        sys.stderr.write(text[-8000:])
        fail(f"ansible-playbook {name} {' '.join(extra)}: exit {rc} (log {path})")
    recap = {m.group(1): {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
             for m in re.finditer(r"^(\S+)\s+: (ok=.*)$", text, re.M)}
    log(f"{name} {' '.join(extra)}: {took:.0f} s; " +
        ", ".join(f"{h} changed={r.get('changed')}" for h, r in sorted(recap.items())))
    return recap, took


def nodes_lines(node, fmt):
    return ssh(node, f"docker node ls --format '{fmt}'").stdout.split()


def leader(via):
    for line in nodes_lines(via, "{{.Hostname}}={{.ManagerStatus}}"):
        name, status = line.split("=", 1)
        if status == "Leader":
            return name
    raise ValueError("no leader")


def vip_holders(nodes):
    held = []
    for n in nodes:
        if f" {vip}/" in " " + ssh(n, "ip -o -4 addr show dev eth1", check=False).stdout:
            held.append(n)
    return held


def ceph(node, args):
    return json.loads(ssh(node, f"timeout 60 ceph {args} --format json").stdout)


def images():
    """The images the stacks run, built here and saved for the images role."""
    dk = os.path.join(build, "provisioning-dockerd")
    shutil.rmtree(dk, ignore_errors=True)
    line = run("bash", os.path.join(repo, "tests", "integration", "dockerd.sh"), "start", dk).stdout.strip()
    env["DOCKER_HOST"] = line.split("=", 1)[1]
    try:
        run("bash", os.path.join(repo, "provisioning", "vm", "cluster.sh"), "images",
            os.path.join(build, "swarmscope"), timeout=900)
    finally:
        run("bash", os.path.join(repo, "tests", "integration", "dockerd.sh"), "stop", dk, check=False)
        env.pop("DOCKER_HOST", None)
    ok("images built here (swarmscope FROM scratch, Prometheus, Alertmanager, node-exporter and the registry from Debian's packages) and saved for the nodes")


def main():
    managers = ["node1", "node2", "node3"]
    if os.environ.get("REUSE_VMS") != "1":  # REUSE_VMS=1 (development): the running VMs
        run("bash", cluster, "down", check=False)
        images()
    t0 = time.monotonic()
    run("bash", cluster, "up", "3", timeout=1200)
    boot_s = time.monotonic() - t0
    ok(f"3 VMs up and answering ssh ({boot_s:.0f} s, image included)")
    for n, want in (("node1", "cgroup2fs"), ("node2", "cgroup2fs"), ("node3", "tmpfs")):
        got = ssh(n, "stat -f -c %T /sys/fs/cgroup").stdout.strip()
        if got != want:
            fail(f"{n}: /sys/fs/cgroup is {got}, want {want}")
    ok("node1 and node2 boot cgroup v2, node3 the hybrid v1 hierarchy")

    # site.yml, as a user runs it.
    recap, site_s = playbook("site.yml", log_name="site-1.log")
    results.append(f"site.yml, first run: {site_s:.0f} s")
    ok(f"site.yml converged ({site_s:.0f} s)")

    # The swarm.
    statuses = nodes_lines("node1", "{{.Hostname}}={{.Status}}={{.ManagerStatus}}")
    mgrs = [s for s in statuses if s.endswith(("=Leader", "=Reachable"))]
    if len(mgrs) != 3 or any("=Ready=" not in s for s in statuses):
        fail(f"want 3 ready managers: {statuses}")
    ok(f"3 managers, all ready: {' '.join(statuses)}")

    # Ceph, CephFS on every node.
    def health_ok():
        s = ceph("node1", "status")
        return s["health"]["status"] == "HEALTH_OK" and s["osdmap"]["num_up_osds"] == 3 and s
    s = wait("Ceph is HEALTH_OK with 3 OSDs up and in", 600, health_ok, interval=5)
    ok(f"Ceph: {len(s['quorum_names'])} mons in quorum ({', '.join(s['quorum_names'])}), fsmap {s['fsmap'].get('up')} up")
    token = f"written on node1 at {time.time()}"
    ssh("node1", f"echo '{token}' > /data/provisioning-probe")
    for n in managers:
        got = ssh(n, "stat -f -c %T /data/. && cat /data/provisioning-probe").stdout.split("\n", 1)
        if got[0] != "ceph" or got[1].strip() != token:
            fail(f"{n}: /data is {got[0]} and reads {got[1:]!r}")
    ok("CephFS is mounted at /data on every node: written on node1, read on node1, node2 and node3")
    fstab = ssh("node1", "cat /etc/fstab; systemctl cat data.mount").stdout
    if "secretfile=/etc/ceph/data.secret" not in fstab or re.search(r"secret=[A-Za-z0-9+/]{20,}", fstab):
        fail(f"the mount must use a secret file, never a key: {fstab}")
    ok("the mount unit names a secret file (mode 0600), no key in fstab or the unit")

    # The VIP.
    held = wait("the VIP is on exactly one node", 60, lambda: (h := vip_holders(managers)) and len(h) == 1 and h)
    ok(f"VIP {vip} held by {held[0]}")

    # The stacks.
    def stacks_running():
        lines = ssh("node1", "docker service ls --format '{{.Name}} {{.Replicas}}'").stdout.splitlines()
        bad = [ln for ln in lines if not re.search(r" (\d+)/\1( |$)", ln)]
        names = {ln.split()[0].split("_")[0] for ln in lines}
        return not bad and {"swarmscope", "monitoring", "registry"} <= names and lines
    lines = wait("every service of every stack runs its replicas", 600, stacks_running, interval=5)
    ok("services: " + "; ".join(lines))

    # Prometheus: every node's swarmscope and node-exporter target up.
    def targets_up():
        r = query('up{job=~"swarmscope|node-exporter"} == 1')
        by_job = {}
        for m, _ in r:
            by_job.setdefault(m["job"], set()).add(m["instance"])
        return all(len(by_job.get(j, ())) == 3 for j in ("swarmscope", "node-exporter")) and by_job
    by_job = wait("every node's swarmscope and node-exporter target is up in Prometheus", 300, targets_up, interval=5)
    ok("targets: " + "; ".join(f"{j}: {' '.join(sorted(i))}" for j, i in sorted(by_job.items())))

    # A test service on every node: its tasks' cgroup series, v1 and v2 alike, with swarm labels.
    ssh("node1", "docker service create -d --quiet --name probe --mode global --limit-memory 16M "
        "swarmscope-test/busybox:1 >/dev/null")

    def probe_series():
        r = query('container_memory_working_set_bytes{container_label_com_docker_swarm_service_name="probe"}')
        nodes = {m.get("instance") for m in (x[0] for x in r) if m.get("container_label_com_docker_swarm_node_id")}
        return len(nodes) == 3 and all(m.get("container_label_com_docker_swarm_task_name") for m, _ in r) and r
    r = wait("the test service's tasks have cgroup series on all three nodes, with their swarm labels", 300,
             probe_series, interval=5)
    ok("probe tasks on: " + " ".join(sorted(m["instance"] for m, _ in r)))

    # Cluster series exactly once across three managers.
    def once(expr):
        r = query(f"count({expr})")
        return r and r[0][1] == 1
    wait("swarm and Ceph cluster series come from one collector", 120,
         lambda: once('docker_swarm_nodes{role="manager",state="ready"} == 3') and once("ceph_health_status")
         and len({m["instance"] for m, _ in query("docker_swarm_node_info")}) == 1)

    # swarmscope's own cost per node.
    def cost():
        mem = query('container_memory_working_set_bytes{container_label_com_docker_swarm_service_name="swarmscope_collector"}')
        cpu = query('rate(container_cpu_usage_seconds_total{container_label_com_docker_swarm_service_name="swarmscope_collector"}[2m])')
        return len(mem) == 3 and len(cpu) == 3 and (mem, cpu)
    mem, cpu = wait("swarmscope's working set and CPU on every node", 300, cost, interval=10)
    for (m, v), (_, c) in zip(sorted(mem, key=lambda x: x[0]["instance"]), sorted(cpu, key=lambda x: x[0]["instance"])):
        line = f"swarmscope on {m['instance']}: working set {v / 2**20:.1f} MiB, CPU {100 * c:.2f}% of a core (emulated)"
        results.append(line)
        log(line)
    ok("swarmscope's working set and CPU recorded per node")

    faults(managers)

    # A second run changes nothing.
    recap, again_s = playbook("site.yml", log_name="site-2.log")
    changed = {h: r.get("changed") for h, r in recap.items() if r.get("changed")}
    if changed:
        fail(f"a second site.yml run changed something: {changed} (log {vm_dir}/site-2.log)")
    results.append(f"site.yml, second run: {again_s:.0f} s, changed=0 on every node")
    ok(f"a second site.yml run reports no change on any node ({again_s:.0f} s)")

    add_node(managers)
    teardown()
    with open(os.path.join(build, "provisioning-results.txt"), "w") as f:
        f.write("\n".join(results) + "\n")
    log("results: " + "; ".join(results))
    summary("provisioning")


def faults(managers):
    """Power off the swarm leader's node, the VIP holder's and an OSD's, each brought back
    after its checks. When the leader also holds the VIP (node1: it made the swarm and has
    the highest priority), one power-off is both faults."""
    prom = prom_node()
    old = leader(prom)
    holder = wait("the VIP has one holder", 120, lambda: (h := vip_holders(managers)) and len(h) == 1 and h[0])
    if prom in (old, holder):
        fail(f"the leader ({old}) or the VIP holder ({holder}) is Prometheus' node {prom}")
    for stopped in dict.fromkeys([old, holder]):
        t0 = time.monotonic()
        run("bash", cluster, "stop", stopped)
        log(f"{stopped} powered off ({'the swarm leader' if stopped == old else ''}"
            f"{' and ' if stopped == old == holder else ''}{'the VIP holder' if stopped == holder else ''})")
        rest = [n for n in managers if n != stopped]
        if stopped == old:
            def moved():
                new = leader(prom)
                if new == old:
                    return None
                inst = {m["instance"] for m, _ in query("docker_swarm_node_info")}
                c = query("ceph_health_status")
                return (inst == {new} and len(c) == 1 and c[0][0]["instance"] == new) and new
            new = wait(f"after {old} stops, the swarm and Ceph cluster series come from the new leader, once",
                       240, moved, 5)
            results.append(f"leader {old} off: series from the new leader {new} after {time.monotonic() - t0:.0f} s")
        if stopped == holder:
            def vip_moved():
                h = vip_holders(rest)
                if len(h) != 1:
                    return None
                names = {m.get("node_name") for m, _ in query(f'keepalived_vip_present{{vip="{vip}"}} == 1')}
                return names == {h[0]} and h[0]
            to = wait(f"after {holder} (the VIP holder) stops, the VIP moves and swarmscope's keepalived series "
                      "show the new holder", 120, vip_moved, 2)
            results.append(f"VIP holder {holder} off: VIP on {to}, in swarmscope's series after "
                           f"{time.monotonic() - t0:.0f} s")
        run("bash", cluster, "start", stopped, timeout=900)
        wait(f"{stopped} back: ready in the swarm, the VIP on one node", 300,
             lambda: f"{stopped}=Ready" in " ".join(nodes_lines(prom, "{{.Hostname}}={{.Status}}"))
             and len(vip_holders(managers)) == 1, 5)

    osd_node = next(n for n in managers if n not in (prom, leader(prom)))
    hosts = [o for o in ceph(prom, "osd tree")["nodes"] if o["type"] == "host" and o["name"] == osd_node]
    osd_ids = hosts[0]["children"] if hosts else fail(f"no CRUSH host {osd_node}")
    t0 = time.monotonic()
    run("bash", cluster, "stop", osd_node)
    log(f"{osd_node} (osd.{', osd.'.join(map(str, osd_ids))}) powered off")

    def ceph_warns():
        h = query("ceph_health_status")
        names = {m["ceph_daemon"] for m, _ in query("ceph_osd_up == 0")}
        return h and h[0][1] >= 1 and names == {f"osd.{i}" for i in osd_ids} and names
    names = wait(f"after {osd_node} stops, Ceph warns and swarmscope's series say which OSD is down", 180,
                 ceph_warns, 5)
    results.append(f"OSD node {osd_node} off: {', '.join(sorted(names))} down in swarmscope's series after "
                   f"{time.monotonic() - t0:.0f} s")
    run("bash", cluster, "start", osd_node, timeout=900)

    def healthy():
        s = ceph(prom, "status")
        return (s["health"]["status"] == "HEALTH_OK" and s["osdmap"]["num_up_osds"] == 3
                and query("ceph_health_status")[0][1] == 0)
    t0 = time.monotonic()
    wait("all three nodes back: Ceph HEALTH_OK again (and in swarmscope's series)", 600, healthy, 5)
    results.append(f"recovery after {osd_node} is back: HEALTH_OK after {time.monotonic() - t0:.0f} s")
    wait("every stack runs its replicas again", 300, lambda: not [
        ln for ln in ssh(prom, "docker service ls --format '{{.Replicas}}'").stdout.split()
        if not re.fullmatch(r"(\d+)/\1", ln)], 5)


def add_node(managers):
    run("bash", cluster, "add", "node4", timeout=900)
    recap, took = playbook("add-node.yml", "-e", "node=node4", log_name="add-node.log")
    results.append(f"add-node.yml for node4: {took:.0f} s")
    ok(f"add-node.yml brought node4 in ({took:.0f} s)")
    workers = [ln for ln in nodes_lines("node1", "{{.Hostname}}={{.Status}}={{.ManagerStatus}}") if ln.startswith("node4=")]
    if workers != ["node4=Ready="]:
        fail(f"node4 is not a ready worker: {workers}")
    ok("node4 is a ready worker of the swarm")
    wait("Ceph has 4 OSDs up, node4's among them", 600,
         lambda: ceph("node1", "osd stat")["num_up_osds"] == 4, 5)
    got = ssh("node4", "stat -f -c %T /data/. && cat /data/provisioning-probe").stdout
    if not got.startswith("ceph\nwritten on node1"):
        fail(f"node4's /data: {got!r}")
    ok("node4 mounts CephFS at /data and reads what node1 wrote")
    conf = ssh("node1", "cat /etc/keepalived/keepalived.conf").stdout
    if "192.0.2.14" not in conf or ssh("node4", "systemctl is-active keepalived").stdout.strip() != "active":
        fail("node4 is not a keepalived peer")
    ok("node4 runs keepalived and is in the other nodes' unicast peers")
    wait("node4's swarmscope and node-exporter targets are up", 300,
         lambda: len(query('up{job=~"swarmscope|node-exporter",instance="node4"} == 1')) == 2, 5)


def teardown():
    run("bash", cluster, "down")
    left = []
    if subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.count("swarmscope-vms"):
        left.append("the network namespace")
    if subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout.count("swarmscope-h"):
        left.append("the veth pair")
    if subprocess.run(["pgrep", "-f", "qemu-system-x86_64 -name node"], capture_output=True).returncode == 0:
        left.append("qemu processes")
    if left:
        fail("teardown left " + ", ".join(left))
    ok("teardown leaves no VM, namespace, link or route behind")


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        if os.environ.get("KEEP_VMS") != "1":
            run("bash", cluster, "down", check=False)
        raise
