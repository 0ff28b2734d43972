#!/usr/bin/env python3
"""Ceph's own alert rules and Grafana dashboards against swarmscope's Ceph series (issue 12).

Debian's ceph-prometheus-alerts and ceph-grafana-dashboards (the Ceph release the cluster
runs) are fetched at test time (`apt-get download`, `dpkg-deb -x`, cached in OUTDIR). The real
single-node cluster of ceph_test.py (tests/ceph/cluster.sh) is scraped by two real Prometheus
servers, one for the mgr prometheus module and one for swarmscope's ceph collector (the flags
of ceph_test.py), with the same job ("ceph", what Ceph's rules expect), honor_labels and
instance on both, so a query means the same on each. Then every query is evaluated at one
instant on both servers:
- every dashboard target (rows and nested panels), its Grafana variables substituted as
  Grafana does with the dashboard's defaults: "All" (allValue, or every value as a regex
  alternation) where the variable has it, otherwise its first value; label_values() queries
  resolved on each side's own Prometheus; $__rate_interval and $__interval as 1m;
- every alert rule: its expression (what fires must fire on both sides) and each series
  selector in it (what the alert watches: does it exist?); then osd.0 is stopped and the
  pool `data` put over its quota, and the alerts that fire must be the same on both sides.
Fails when a query answers on the mgr module but not on swarmscope, when one side answers
with other series, when a query is an error on one side only, when a query is empty on both
for no known reason, when the packages cannot be fetched or read, or when nothing was
evaluated. Known, reasoned differences are in ceph_compat_known.yml. The report, a Markdown
table of every query, is written to OUTDIR/ceph_compat_report.md.

    tests/integration/ceph_compat_test.py build/ci/swarmscope [OUTDIR]
"""

import glob
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

from ceph_test import Cluster, Swarmscope, get
from checks import fail, ok, stop, summary

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = ("ceph-prometheus-alerts", "ceph-grafana-dashboards")
# Ceph's host dashboards and node alerts read node-exporter's series: Debian's, on both sides.
NODE_EXPORTER = "prometheus-node-exporter"
KNOWN = os.path.join(HERE, "ceph_compat_known.yml")
# swarmscope's own Ceph dashboard, evaluated on the same real data.
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
DASHBOARD_EVAL = os.path.join(REPO_ROOT, "tests", "dashboards", "evaluate.py")
DASHBOARD_EMPTY = os.path.join(REPO_ROOT, "tests", "dashboards", "e2e_empty.yml")
CEPH_DASHBOARD = os.path.join(REPO_ROOT, "dashboards", "ceph.json")
# Grafana's $__rate_interval for a 15 s datasource interval (4 x 15 s), $__interval alike.
INTERVALS = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h"}
# Both targets' instance: the host's name, as the Ceph daemons' metadata have it (Ceph's host
# dashboards match instance against hostname), and the same on both sides.
INSTANCE = socket.gethostname().split(".")[0]


# ---- the packages ----

def fetch_packages(cache, packages):
    """Downloads and unpacks the packages into cache; returns the unpacked root and
    {package: version}."""
    debs = os.path.join(cache, "debs")
    root = os.path.join(cache, "root")
    os.makedirs(debs, exist_ok=True)

    def have():
        return all(glob.glob(os.path.join(debs, f"{p}_*.deb")) for p in packages)

    def download():
        r = subprocess.run(["apt-get", "download", "-q", *packages], cwd=debs,
                           capture_output=True, text=True)
        return r.stdout + r.stderr

    if not have():
        out = download()
        if not have():
            # A machine whose package lists were never fetched knows no candidate.
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            out = download()
        if not have():
            fail(f"could not download {', '.join(packages)} with apt-get download:\n{out}")
    shutil.rmtree(root, ignore_errors=True)
    versions = {}
    for p in packages:
        deb = sorted(glob.glob(os.path.join(debs, f"{p}_*.deb")))[-1]
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        versions[p] = os.path.basename(deb).split("_")[1]
    return root, versions


def load_alerts(root):
    files = glob.glob(os.path.join(root, "etc/prometheus/ceph/*.yml")) + \
        glob.glob(os.path.join(root, "etc/prometheus/ceph/*.yaml"))
    if not files:
        fail(f"no alert rules file under {root}/etc/prometheus/ceph")
    alerts = []
    for path in sorted(files):
        try:
            doc = yaml.safe_load(open(path))
            for group in doc["groups"]:
                for rule in group["rules"]:
                    if "alert" in rule:
                        alerts.append({"name": rule["alert"], "expr": str(rule["expr"])})
        except (yaml.YAMLError, KeyError, TypeError) as e:
            fail(f"cannot read the alert rules in {path}: {e}")
    if not alerts:
        fail(f"no alert rules in {files}")
    return alerts


def panels(items):
    for p in items or []:
        yield p
        yield from panels(p.get("panels"))


def load_dashboards(root):
    files = sorted(glob.glob(os.path.join(root, "etc/grafana/dashboards/**/*.json"),
                             recursive=True))
    if not files:
        fail(f"no dashboards under {root}/etc/grafana/dashboards")
    dashboards = []
    for path in files:
        try:
            d = json.load(open(path))
        except json.JSONDecodeError as e:
            fail(f"cannot read the dashboard {path}: {e}")
        all_panels = list(panels(d.get("panels")))
        for row in d.get("rows") or []:
            all_panels += list(panels(row.get("panels")))
        targets = []
        for p in all_panels:
            for i, t in enumerate(p.get("targets") or []):
                expr = str(t.get("expr") or "").strip()
                if expr:
                    ref = t.get("refId") or chr(ord("A") + i)
                    targets.append({"id": f"{d.get('title')} / {p.get('title') or '?'} / {ref}",
                                    "expr": expr})
        dashboards.append({"file": os.path.basename(path), "title": d.get("title"),
                           "vars": (d.get("templating") or {}).get("list") or [],
                           "targets": targets})
    return dashboards


# ---- Prometheus ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, log, what):
    """Until url answers (20 s at most); a clear failure with the log's tail otherwise."""
    for _ in range(100):
        try:
            get(url, 2)
            return
        except (OSError, urllib.error.URLError):
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    with open(log) as f:
        fail(f"{what} did not start: {f.read()[-2000:]}")


class Prometheus:
    def __init__(self, root, name, jobs):
        """jobs: {job name: target}; every target's instance is INSTANCE."""
        self.name = name
        self.dir = os.path.join(root, f"prometheus-{name}")
        os.makedirs(self.dir)
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            yaml.safe_dump({
                "global": {"scrape_interval": "1s", "scrape_timeout": "900ms",
                           "evaluation_interval": "1s"},
                # Ceph's documentation scrapes the module with honor_labels; Ceph's rules and
                # dashboards name the job "ceph".
                "scrape_configs": [{
                    "job_name": job, "honor_labels": True,
                    "static_configs": [{"targets": [target]}],
                    "relabel_configs": [{"target_label": "instance", "replacement": INSTANCE}],
                } for job, target in jobs.items()]}, f)
        r = subprocess.run(["promtool", "check", "config", config], capture_output=True,
                           text=True)
        if r.returncode != 0:
            fail(f"promtool check config: {r.stdout}{r.stderr}")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(self.dir, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.api = f"http://127.0.0.1:{self.port}/api/v1"
        wait_http(f"http://127.0.0.1:{self.port}/-/ready", self.proc, self.log.name,
                  f"Prometheus ({name})")

    def call(self, path, **params):
        url = f"{self.api}/{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            return json.load(e)

    def query(self, expr, at):
        """(error or None, result list); a scalar is one result without labels."""
        r = self.call("query", query=expr, time=f"{at:.3f}")
        if r.get("status") != "success":
            return f"{r.get('errorType')}: {r.get('error')}", []
        data = r["data"]
        if data["resultType"] in ("scalar", "string"):
            return None, [{"metric": {}, "value": data["result"]}]
        return None, data["result"]

    def label_values(self, label, selector=None):
        if selector:
            r = self.call("series", **{"match[]": selector})
            return sorted({s[label] for s in r.get("data") or [] if label in s})
        r = self.call("label/" + label + "/values")
        return sorted(r.get("data") or [])

    def stop(self):
        stop(self.proc)


# ---- Grafana's variables ----

VAR = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")


def substitute(expr, values):
    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return values.get(name, m.group(0))
    return VAR.sub(one, expr)


def grafana_escape(values, multi_or_all):
    """A variable's value in a query as Grafana's Prometheus datasource writes it
    (interpolateQueryExpr): a plain variable has its backslashes and quotes escaped for the
    string literal; a multi-value or "All" one is regex-escaped inside the literal (a dot
    becomes two backslashes and the dot), and several values become (a|b)."""
    if not multi_or_all:
        return values[0].replace("\\", "\\\\").replace("'", "\\\\'")
    escaped = [re.sub(r"([$^*{}\[\]'+?.()|])", r"\\\\\1", v.replace("\\", "\\\\\\\\"))
               for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def resolve_vars(dashboard, prom):
    """{name: substituted text}, and {name: option list} for the report, on one side."""
    values = dict(INTERVALS)
    options = {}
    for v in dashboard["vars"]:
        name, kind = v.get("name"), v.get("type")
        query = v.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        query = str(query or "")
        current = (v.get("current") or {}).get("value")
        if kind == "datasource":
            continue
        if kind in ("interval", "custom", "constant", "textbox"):
            opts = [o.strip() for o in query.split(",") if o.strip()]
            if isinstance(current, str) and current and not current.startswith("$"):
                value = current
            else:
                value = opts[0] if opts else ""
            values[name], options[name] = value, opts
            continue
        m = re.fullmatch(r"\s*label_values\((?:(.*),)?\s*(\w+)\s*\)\s*", query)
        if kind != "query" or not m:
            fail(f"{dashboard['file']}: variable {name} of a kind this test does not know: "
                 f"{kind} {query!r}")
        selector = substitute(m.group(1).strip(), values) if m.group(1) else None
        found = prom.label_values(m.group(2), selector)
        regex = v.get("regex") or ""
        if regex:
            rx = re.compile(regex)
            matched = [rx.search(x) for x in found]
            found = sorted({(x.group(1) if x.groups() else x.group(0)) for x in matched if x})
        options[name] = found
        if v.get("includeAll"):
            values[name] = v.get("allValue") or grafana_escape(found, True)
        elif found:
            values[name] = grafana_escape(found[:1], bool(v.get("multi")))
        else:
            values[name] = ""
    return values, options


# ---- series selectors in PromQL ----

IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                "count_values", "bottomk", "topk", "quantile"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
OPERATORS = {"bool", "and", "or", "unless", "offset", "inf", "nan", "atan2"}


def skip_string(expr, i):
    quote = expr[i]
    i += 1
    while i < len(expr) and expr[i] != quote:
        i += 2 if expr[i] == "\\" else 1
    return i + 1


def skip_group(expr, i, open_, close):
    """The index after the bracket that closes the one at i (strings skipped)."""
    depth = 0
    while i < len(expr):
        c = expr[i]
        if c in "\"'`":
            i = skip_string(expr, i)
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def selectors(expr):
    """Every series selector in expr (name and matchers, without ranges), in order."""
    out = []
    i = 0
    while i < len(expr):
        c = expr[i]
        if c in "\"'`":
            i = skip_string(expr, i)
        elif c == "[":
            i = skip_group(expr, i, "[", "]")
        elif c == "{":
            j = skip_group(expr, i, "{", "}")
            out.append(expr[i:j])
            i = j
        elif c.isdigit() or c == ".":
            i = re.compile(r"[0-9.]+(?:[eE][+-]?\d+)?[a-zA-Z]*").match(expr, i).end()
        elif IDENT.match(expr, i):
            name = IDENT.match(expr, i).group(0)
            j = i + len(name)
            k = j
            while k < len(expr) and expr[k].isspace():
                k += 1
            nxt = expr[k] if k < len(expr) else ""
            if name.lower() in GROUPING:
                i = skip_group(expr, k, "(", ")") if nxt == "(" else j
            elif name.lower() in OPERATORS or name in AGGREGATIONS or nxt == "(":
                i = j
            elif nxt == "{":
                end = skip_group(expr, k, "{", "}")
                out.append(name + expr[k:end])
                i = end
            else:
                out.append(name)
                i = j
        else:
            i += 1
    return list(dict.fromkeys(re.sub(r"\s+", " ", s) for s in out))


# ---- evaluation ----

def answer_key(result):
    """The label sets of a result; job and instance are the same on both sides by design."""
    return sorted(json.dumps(r["metric"], sort_keys=True) for r in result)


def evaluate(mgr, ours, queries, at):
    """Adds to each query, per side (mgr, ours): err_, res_ (its answer) and sel_ (how many
    series each of its selectors has; None for an error)."""
    for q in queries:
        for side, prom in (("mgr", mgr), ("ours", ours)):
            err, res = prom.query(q[f"expr_{side}"], at)
            q[f"err_{side}"], q[f"res_{side}"] = err, res
            sel = {}
            for s in selectors(q[f"expr_{side}"]):
                # An inactive check is 0 in the module from its health history, which a
                # read-only user may not read; swarmscope has those seen since it started
                # (README). What an alert watches is the check being active: compare that.
                active = " == 1" if s.startswith("ceph_health_detail") else ""
                e, r = prom.query(s + active, at)
                sel[s] = len(r) if e is None else None
            q[f"sel_{side}"] = sel
    return queries


def node_only(expr):
    """True for an expression that reads node-exporter's series only: both sides scrape the
    one node-exporter, so whether it fires (predict_linear on a few seconds of free disk
    space...) depends on each side's sampling instants, never on swarmscope."""
    return all(s.startswith(("node_", "bonding_")) for s in selectors(expr))


def values_differ(rm, ro):
    """How many series of two answers with the same label sets have different values."""
    def value(r):
        v = float(r["value"][1])
        return "nan" if math.isnan(v) else round(v, 9)
    mine = {json.dumps(r["metric"], sort_keys=True): value(r) for r in rm}
    return sum(1 for r in ro if mine.get(json.dumps(r["metric"], sort_keys=True)) != value(r))


def why_empty(q, known):
    """Why a query answers on neither side: the reasons of its selectors that answer on
    neither (from ceph_compat_known.yml), or None when one has no known reason."""
    empty = [s for s in q["sel_mgr"] if not q["sel_mgr"][s] and not q["sel_ours"].get(s)]
    if not empty:
        return "every series it reads exists on both sides; its condition or join selects none here"
    reasons = []
    for s in empty:
        for pattern, reason in known["absent"].items():
            if re.search(pattern, s):
                reasons.append(reason)
                break
        else:
            return None
    return "; ".join(dict.fromkeys(reasons))


def classify(q, known):
    """verdict, detail, is_problem."""
    qid = q["id"]
    known_diff = known["differences"].get(qid)
    em, eo = q["err_mgr"], q["err_ours"]
    if em or eo:
        if em and eo:
            return "error on both", em, False
        return "error on one side", f"mgr: {em or 'ok'}; swarmscope: {eo or 'ok'}", True
    rm, ro = q["res_mgr"], q["res_ours"]
    # Every series selector in it that answers on the module must answer on swarmscope (what
    # an alert watches; what a panel reads, also where its expression selects nothing here).
    missing = [s for s, n in q["sel_mgr"].items() if n and not q["sel_ours"].get(s)]
    if missing:
        verdict, detail = "only mgr", "no series for " + ", ".join(missing)
    elif q["kind"] == "alert":
        # The alert itself must fire alike on both sides.
        if answer_key(rm) != answer_key(ro) and not node_only(q["expr_mgr"]):
            verdict, detail = "fires differently", f"mgr {len(rm)}, swarmscope {len(ro)} alerts"
        elif any(q["sel_mgr"].values()):
            empty = [s for s, n in q["sel_mgr"].items() if not n]
            fires = f"fires on both ({len(rm)} series); " if rm and ro else ""
            if node_only(q["expr_mgr"]) and (rm or ro):
                fires = (f"fires on mgr {len(rm)}, on swarmscope {len(ro)} (node-exporter's "
                         "series only: not compared); ")
            if not empty:
                return "answers on both", f"{fires}{len(q['sel_mgr'])} selectors", False
            why = why_empty({**q, "sel_mgr": {s: 0 for s in empty}}, known)
            if why is None:
                return "partly empty on both", "no known reason for " + ", ".join(empty), True
            return "answers on both", f"{fires}empty on both: {', '.join(empty)} ({why})", False
        else:
            why = why_empty(q, known)
            if why is None:
                return "empty on both", "no known reason", True
            return "empty on both", why, False
    else:
        if rm and not ro:
            verdict, detail = "only mgr", f"mgr {len(rm)} series"
        elif ro and not rm:
            verdict, detail = "only swarmscope", f"swarmscope {len(ro)} series"
        elif answer_key(rm) != answer_key(ro):
            verdict = "different series"
            only_m = sorted(set(answer_key(rm)) - set(answer_key(ro)))[:3]
            only_o = sorted(set(answer_key(ro)) - set(answer_key(rm)))[:3]
            detail = f"only mgr: {only_m}; only swarmscope: {only_o}"
        elif rm:
            differ = values_differ(rm, ro)
            # Values are not compared for the verdict: each side samples at its own time and
            # the module serves a cache rebuilt every few seconds (rates, latencies differ).
            return "answers on both", f"{len(rm)} series, " + (
                f"{differ} values differ" if differ else "same values"), False
        else:
            why = why_empty(q, known)
            if why is None:
                empty = [s for s in q["sel_mgr"] if not q["sel_mgr"][s]]
                return "empty on both", "no known reason for " + ", ".join(empty), True
            return "empty on both", why, False
    if known_diff:
        return f"known: {verdict}", f"{detail} ({known_diff})", False
    return verdict, detail, verdict != "only swarmscope"


def md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def report(path, versions, queries, var_report, counts, known, fault):
    with open(path, "w") as f:
        f.write("# Ceph's alert rules and dashboards on swarmscope and on the mgr module\n\n")
        f.write(f"Debian packages {', '.join(f'{p} {v}' for p, v in versions.items())}; "
                "one instant on two Prometheus servers (job `ceph`), one scraping the mgr "
                "prometheus module, one swarmscope, both scraping one node-exporter (job "
                "`node`) (tests/integration/ceph_compat_test.py).\n\n")
        for kind in ("alert", "dashboard"):
            c = counts[kind]
            f.write(f"- {kind}s: {c['total']}: " +
                    ", ".join(f"{n} {v}" for v, n in sorted(c.items()) if v != "total") + "\n")
        same = sum(1 for q in queries if q["detail"].endswith("same values"))
        f.write(f"- dashboard queries answering on both with the same values too: {same}\n")
        f.write("\n## Dashboard variables (values on mgr / on swarmscope)\n\n")
        f.write("| dashboard | variable | mgr | swarmscope |\n|---|---|---|---|\n")
        for (dash, name), (om, oo) in sorted(var_report.items()):
            f.write(f"| {md(dash)} | `{name}` | {md(', '.join(om)) or '-'} | "
                    f"{md(', '.join(oo)) or '-'} |\n")
        for kind in ("alert", "dashboard"):
            f.write(f"\n## {kind.capitalize()} queries\n\n")
            f.write("| query | mgr | swarmscope | verdict | why / detail | expression |\n")
            f.write("|---|---|---|---|---|---|\n")
            for q in (q for q in queries if q["kind"] == kind):
                def side(s):
                    if q[f"err_{s}"]:
                        return "error"
                    return str(len(q[f"res_{s}"]))
                expr = q["expr_ours"] if q["expr_ours"] == q["expr_mgr"] else \
                    f"mgr: {q['expr_mgr']} / swarmscope: {q['expr_ours']}"
                f.write(f"| {md(q['id'])} | {side('mgr')} | {side('ours')} | {q['verdict']} | "
                        f"{md(q['detail'])} | `{md(' '.join(expr.split()))}` |\n")
        fm, fo, agreed = fault
        f.write(f"\n## Alerts with {FAULT}\n\n"
                f"{'The same' if agreed else 'NOT the same'} alert expressions answer on both "
                "sides, but for the known differences and those on node-exporter's series only "
                "(evaluated at one instant; `for:` not "
                "applied).\n\n| alert | mgr | swarmscope | known difference |\n|---|---|---|---|\n")
        for name in sorted(set(fm) | set(fo)):
            why = known["differences"].get(f"alert {name} ({FAULT})", "") \
                if fm.get(name) != fo.get(name) else ""
            f.write(f"| {name} | {md(', '.join(fm.get(name, [])) or '-')} | "
                    f"{md(', '.join(fo.get(name, [])) or '-')} | {md(why)} |\n")
        f.write("\n## Known differences (tests/integration/ceph_compat_known.yml)\n\n")
        for qid, reason in known["differences"].items():
            f.write(f"- {md(qid)}: {md(reason)}\n")


def firing(prom, alerts, at):
    """{alert: its answer's label sets} for the alerts whose expression answers at `at`
    (what would be pending or firing; `for:` is not applied), but those on node-exporter's
    series only."""
    out = {}
    for a in alerts:
        if node_only(a["expr"]):
            continue
        err, res = prom.query(a["expr"], at)
        if res and not err:  # an error is reported with the healthy cluster's queries
            out[a["name"]] = answer_key(res)
    return out


FAULT = "osd.0 stopped, pool data over quota"
# What the faults raise on both sides before the comparison counts (each side sees them at its
# own pace: the module's cache, swarmscope's refresh).
FAULT_ALERTS = {"CephOSDDown", "CephPoolFull"}


def faults(cluster, mgr, ours, alerts, known, timeout=90):
    """osd.0 stopped and the pool `data` over its quota (5 objects, max_objects 1: POOL_FULL):
    the alerts that fire must be the same on both sides, but for the known differences. Both
    are evaluated at one instant every second until they agree and FAULT_ALERTS fire on both.
    Returns (firing on mgr, firing on swarmscope, agreed)."""
    r = subprocess.run(["ceph", f"--conf={cluster.env['CEPH_CONF']}", "--name=client.admin",
                        f"--keyring={cluster.env['CEPH_ADMIN_KEYRING']}", "osd", "pool",
                        "set-quota", "data", "max_objects", "1"], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        fail(f"ceph osd pool set-quota data max_objects 1: {r.stdout}{r.stderr}")
    cluster.run("stop-daemon", "osd.0")
    deadline = time.time() + timeout
    while True:
        at = time.time()
        fm, fo = firing(mgr, alerts, at), firing(ours, alerts, at)
        differ = {n for n in set(fm) | set(fo) if fm.get(n) != fo.get(n)}
        if not differ - {n for n in differ if f"alert {n} ({FAULT})" in known["differences"]} \
                and FAULT_ALERTS <= set(fm):
            return fm, fo, True
        if time.time() > deadline:
            return fm, fo, False
        time.sleep(1)


def wait_for_data(proms, timeout=120):
    """Until each side has 10 s of the cluster's and the daemons' series (the module lacks the
    daemons' counters for its first cache rebuilds)."""
    probes = ['ceph_health_status', 'ceph_osd_op_r{ceph_daemon="osd.1"}', 'node_load1',
              'ceph_mon_num_sessions', 'ceph_mds_inodes', 'ceph_pool_metadata',
              'ceph_osd_numpg{ceph_daemon="osd.0"}']
    deadline = time.time() + timeout
    while True:
        missing = []
        for p in proms:
            for probe in probes:
                _, r = p.query(f"count_over_time({probe}[1m]) >= 10", time.time())
                if not r:
                    missing.append(f"{p.name}: {probe}")
        if not missing:
            return
        if time.time() > deadline:
            fail("not 10 s of data on both sides: " + ", ".join(missing))
        time.sleep(1)


def client_io(cluster, root):
    """A few writes and reads in pool data, a second apart, so that the OSDs' client latency
    counters move while Prometheus scrapes (the dashboards' OSD latency panels)."""
    obj = os.path.join(root, "client-io.bin")
    with open(obj, "wb") as f:
        f.write(os.urandom(4096))
    base = ["rados", "--conf", cluster.env["CEPH_CONF"], "--name", "client.admin",
            "--keyring", cluster.env["CEPH_ADMIN_KEYRING"], "-p", "data"]
    for i in range(5):
        for op in (["put", f"client-io-{i}", obj], ["get", f"client-io-{i}", os.devnull]):
            r = subprocess.run(base + op, capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                fail(f"rados {' '.join(op)}: {r.stdout}{r.stderr}")
        time.sleep(1)


def main():
    t_start = time.time()
    root = tempfile.mkdtemp(prefix="swarmscope-ceph-compat.")
    outdir = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else \
        tempfile.mkdtemp(prefix="swarmscope-ceph-compat-report.")
    cache = os.path.join(outdir, "ceph-compat-packages")
    report_path = os.path.join(outdir, "ceph_compat_report.md")
    known = yaml.safe_load(open(KNOWN))
    known["differences"] = {d["query"]: d["reason"] for d in known.get("differences") or []}
    known["absent"] = {a["match"]: a["reason"] for a in known.get("absent") or []}

    pkg_root, versions = fetch_packages(cache, (*PACKAGES, NODE_EXPORTER))
    alerts = load_alerts(pkg_root)
    dashboards = load_dashboards(pkg_root)
    n_targets = sum(len(d["targets"]) for d in dashboards)
    ok(f"{' and '.join(f'{p} {versions[p]}' for p in PACKAGES)}: {len(alerts)} alert "
       f"rules, {len(dashboards)} dashboards with {n_targets} queries")

    cluster = scope = node_exporter = None
    proms = []
    try:
        t0 = time.time()
        cluster = Cluster(root)
        ok(f"cluster up in {time.time() - t0:.1f} s")
        scope = Swarmscope(root, "swarmscope", cluster)
        mgr_target = urllib.parse.urlparse(cluster.env["CEPH_MGR_METRICS"]).netloc
        node = f"127.0.0.1:{free_port()}"
        node_log = open(os.path.join(root, "node-exporter.log"), "w")
        node_exporter = subprocess.Popen(
            [os.path.join(pkg_root, "usr/bin/prometheus-node-exporter"),
             f"--web.listen-address={node}"], stdout=node_log, stderr=subprocess.STDOUT)
        wait_http(f"http://{node}/metrics", node_exporter, node_log.name, "node-exporter")
        mgr = Prometheus(root, "mgr", {"ceph": mgr_target, "node": node})
        proms.append(mgr)
        ours = Prometheus(root, "swarmscope", {"ceph": f"127.0.0.1:{scope.port}", "node": node})
        proms.append(ours)
        wait_for_data(proms)
        for p in proms:
            _, up = p.query("up", time.time())
            if len(up) != 2 or any(u["value"][1] != "1" for u in up):
                fail(f"Prometheus ({p.name}): a target is not up: {p.call('targets')}")
        ok("two Prometheus servers scrape the mgr module and swarmscope (job ceph, 1 s) and "
           "node-exporter (job node): 10 s of data on each")

        queries = [{"kind": "alert", "id": f"alert {a['name']}", "expr_mgr": a["expr"],
                    "expr_ours": a["expr"]} for a in alerts]
        var_report = {}
        for d in dashboards:
            vm, om = resolve_vars(d, mgr)
            vo, oo = resolve_vars(d, ours)
            for name in om:
                var_report[(d["title"], name)] = (om[name], oo.get(name, []))
            for t in d["targets"]:
                queries.append({"kind": "dashboard", "id": t["id"],
                                "expr_mgr": substitute(t["expr"], vm),
                                "expr_ours": substitute(t["expr"], vo)})
        evaluate(mgr, ours, queries, time.time())
        # swarmscope's Ceph dashboard: every panel query answers on swarmscope's real series
        # (after some client I/O, and 3 s for it to be refreshed and scraped).
        client_io(cluster, root)
        time.sleep(3)
        r = subprocess.run([sys.executable, DASHBOARD_EVAL, "--prometheus",
                            f"http://127.0.0.1:{ours.port}", "--empty", DASHBOARD_EMPTY,
                            "--minutes", "1", CEPH_DASHBOARD], capture_output=True, text=True)
        print(r.stdout + r.stderr, end="")
        if r.returncode != 0:
            fail("a panel query of dashboards/ceph.json returns nothing on the real cluster (above)")
        ok("every panel query of dashboards/ceph.json answers on swarmscope's series of the real cluster")
        fault = faults(cluster, mgr, ours, alerts, known)
    finally:
        for p in proms:
            p.stop()
        if node_exporter:
            node_exporter.terminate()
            node_exporter.wait(10)
        if scope:
            scope.stop()
        if cluster:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)

    counts = {"alert": {"total": 0}, "dashboard": {"total": 0}}
    problems = []
    for q in queries:
        q["verdict"], q["detail"], bad = classify(q, known)
        c = counts[q["kind"]]
        c["total"] += 1
        c[q["verdict"]] = c.get(q["verdict"], 0) + 1
        if bad:
            problems.append(f"{q['id']}: {q['verdict']}: {q['detail']}\n    {q['expr_ours']}")
    seen = {q["id"] for q in queries} | {f"alert {a['name']} ({FAULT})" for a in alerts}
    for qid in known["differences"]:
        if qid not in seen:
            problems.append(f"ceph_compat_known.yml names a query that does not exist: {qid}")
    fm, fo, agreed = fault
    if not agreed:
        problems.append(f"{FAULT}: the alerts do not fire alike within 90 s: mgr "
                        f"{sorted(fm)}, swarmscope {sorted(fo)}" + "".join(
                            f"\n    {n}: mgr {fm.get(n)}, swarmscope {fo.get(n)}"
                            for n in sorted(set(fm) | set(fo)) if fm.get(n) != fo.get(n)))
    report(report_path, versions, queries, var_report, counts, known, fault)
    print(f"report: {report_path}")
    for kind in ("alert", "dashboard"):
        c = counts[kind]
        print(f"{kind}s: {c['total']}: " +
              ", ".join(f"{n} {v}" for v, n in sorted(c.items()) if v != "total"))
    same = sum(1 for q in queries if q["detail"].endswith("same values"))
    print(f"dashboard queries answering on both with the same values too: {same}")
    if not counts["alert"]["total"] or not counts["dashboard"]["total"]:
        fail("nothing was evaluated")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        fail(f"{len(problems)} of {len(queries)} queries differ between the mgr module and "
             f"swarmscope (report: {report_path})")
    ok(f"{len(queries)} queries: none answers on the mgr module and not on swarmscope")
    same = sorted(n for n in fm if fm[n] == fo.get(n))
    print(f"{FAULT}: firing on the mgr module {sorted(fm)}, on swarmscope {sorted(fo)}")
    others = sorted((set(fm) | set(fo)) - set(same))
    ok(f"{FAULT}: the same {len(same)} alerts fire on both sides ({', '.join(same)})" +
       (f"; known differences: {', '.join(others)}" if others else "") +
       f" ({time.time() - t_start:.0f} s in all)")
    summary("ceph_compat_test")


if __name__ == "__main__":
    main()
