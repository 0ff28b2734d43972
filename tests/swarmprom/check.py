#!/usr/bin/env python3
"""Evaluates swarmprom's queries (queries.json, see extract.py) through Prometheus' HTTP API.

  check.py --prometheus URL [--queries FILE] [--exceptions FILE] [--timeout SECONDS]
  check.py --offline [--queries FILE] [--exceptions FILE]

Grafana's template variables are substituted as Grafana does: a "query" variable with
"All" selected becomes its allValue (".+" for swarmprom's node_id), and each query is also
run with every real value of the variable (its query, node_meta, and its regex pick the
node_id labels); $interval (auto), $__interval and $__rate_interval become 1m. An alert
rule is run without its final comparison with a constant (`... > 50`): that is the data
the alert looks at, which must exist; the alert itself fires only on trouble.

Every query must return at least one series (polled until --timeout), except those listed
in exceptions.yml, each with its reason. A query that Prometheus rejects (a parse error,
many-to-many matching) fails even when listed. Exit 1 lists each failure.

--offline checks without Prometheus: every query substitutes to valid PromQL (promtool),
and every exception names a query of queries.json.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
INTERVAL = "1m"
BUILTINS = {"__interval": INTERVAL, "__rate_interval": INTERVAL, "__auto_interval_interval": INTERVAL}
VAR_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)")
# An alert's final comparison with a number: "expr > 50", "expr < 0", "> 1e+09".
THRESHOLD_RE = re.compile(r"\s*(?:>=|<=|==|!=|>|<)\s*(?:bool\s+)?[-+]?[0-9.]+(?:e[-+]?[0-9]+)?\s*$",
                          re.IGNORECASE)


def key(q):
    return (q["file"], q["title"], q.get("ref", ""))


def substitute(expr, variables, values):
    """expr with Grafana's variables replaced; values: name -> the value selected."""
    missing = []

    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in values:
            return values[name]
        if name in BUILTINS:
            return BUILTINS[name]
        var = variables.get(name)
        if var is not None and var.get("type") == "interval":
            return INTERVAL
        missing.append(name)
        return m.group(0)

    out = VAR_RE.sub(one, expr)
    if missing:
        raise ValueError(f"unknown template variable(s) {missing} in {expr!r}")
    return out


def query_variables(variables):
    """The "query" variables (node_id): name -> the variable."""
    return {n: v for n, v in variables.items() if v.get("type") == "query"}


def variants(q, variables, real_values):
    """(label, promql) pairs to run for query q: "All", then each real value."""
    expr = q["expr"]
    if q["kind"] == "alert":
        stripped = THRESHOLD_RE.sub("", expr)
        if stripped != expr:
            expr = stripped
    used = {m.group(1) or m.group(2) or m.group(3) for m in VAR_RE.finditer(expr)}
    qvars = [n for n in query_variables(variables) if n in used]
    if not qvars:
        return [("", substitute(expr, variables, {}))]
    out = []
    all_values = {}
    for n in qvars:
        v = variables[n]
        if not v.get("includeAll"):
            raise ValueError(f"{q['file']}: variable {n} has no All value")
        all_values[n] = v.get("allValue") or ".*"
    out.append(("All", substitute(expr, variables, all_values)))
    for n in qvars:
        for value in real_values.get(n, []):
            sel = dict(all_values, **{n: re.escape(value)})
            out.append((f"{n}={value}", substitute(expr, variables, sel)))
    return out


def load(queries_path, exceptions_path):
    data = json.load(open(queries_path, encoding="utf-8"))
    exceptions = yaml.safe_load(open(exceptions_path, encoding="utf-8")) or []
    known = {key(q) for q in data["queries"]}
    excepted, stale = {}, []
    for e in exceptions:
        k = (e["file"], e["title"], e.get("ref", ""))
        if not e.get("reason"):
            stale.append(f"exception without a reason: {k}")
        if k not in known:
            stale.append(f"exception names no query of {queries_path}: {k}")
        excepted[k] = e.get("reason", "")
    return data, excepted, stale


def variables_by_file(data):
    out = {}
    for v in data["variables"]:
        out.setdefault(v["file"], {})[v["name"]] = v
    return out


def api(prom, path, params):
    url = f"{prom}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # 400/422: Prometheus says why in its JSON
        try:
            return json.load(e)
        except ValueError:
            return {"status": "error", "error": f"HTTP {e.code}"}
    except (OSError, ValueError) as e:
        return {"status": "error", "errorType": "transport", "error": str(e)}


def real_values(prom, variables):
    """Each query variable's values as Grafana lists them: its query, then its regex."""
    out = {}
    for name, v in query_variables(variables).items():
        answer = api(prom, "/api/v1/series", {"match[]": v["query"]})
        regex = re.compile(v.get("regex", "").strip("/") or ".*")
        values = set()
        for series in answer.get("data", []):
            text = "{" + ",".join(f'{k}="{val}"' for k, val in sorted(series.items())) + "}"
            m = regex.search(text)
            if m:
                values.add(m.group(1) if m.groups() else m.group(0))
        out[name] = sorted(values)
    return out


def offline(data, excepted, stale):
    failures = list(stale)
    rules = []
    by_file = variables_by_file(data)
    for i, q in enumerate(data["queries"]):
        variables = by_file.get(q["file"], {})
        fake = {n: ["0123456789abcdefghijklmno"] for n in query_variables(variables)}
        try:
            for label, promql in variants(q, variables, fake):
                rules.append({"record": f"swarmprom:query_{i}", "expr": promql})
        except ValueError as e:
            failures.append(str(e))
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        yaml.safe_dump({"groups": [{"name": "swarmprom-queries", "rules": rules}]}, f)
    try:
        r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        failures.append("promtool rejects a substituted query:\n" + r.stdout + r.stderr)
    for msg in failures:
        print("FAIL:", msg)
    if not failures:
        print(f"ok: {len(rules)} substituted queries of {len(data['queries'])} are valid PromQL "
              f"(promtool), {len(excepted)} exceptions name existing queries")
    return 1 if failures else 0


def online(prom, data, excepted, stale, timeout):
    by_file = variables_by_file(data)
    start = time.time()
    while True:
        values = {}
        for f, variables in by_file.items():
            values[f] = real_values(prom, variables)
        results = []  # (query, label, promql, status, detail)
        for q in data["queries"]:
            variables = by_file.get(q["file"], {})
            for label, promql in variants(q, variables, values.get(q["file"], {})):
                a = api(prom, "/api/v1/query", {"query": promql})
                if a.get("status") != "success":
                    results.append((q, label, promql, "error", a.get("error", a)))
                elif a["data"]["result"]:
                    results.append((q, label, promql, "ok", len(a["data"]["result"])))
                else:
                    results.append((q, label, promql, "empty", ""))
        bad = [r for r in results if r[3] == "error" or (r[3] == "empty" and key(r[0]) not in excepted)]
        if not bad or time.time() - start >= timeout:
            break
        time.sleep(5)
    waited = int(time.time() - start)
    for q, label, promql, status, detail in results:
        where = f"{q['file'].split('/')[-1]} {q['kind']} {q['title']!r}{' ' + q['ref'] if q['ref'] else ''}" \
                f"{' [' + label + ']' if label else ''}"
        reason = excepted.get(key(q))
        if status == "ok":
            note = "  (listed as an exception, but has data now)" if reason else ""
            print(f"ok: {where}: {detail} series{note}")
        elif status == "empty" and reason:
            print(f"empty as expected: {where}: {reason}")
        else:
            print(f"FAIL: {where}: {status} {detail}\n      {promql}")
    for msg in stale:
        print("FAIL:", msg)
    n_ok = sum(1 for r in results if r[3] == "ok")
    print(f"swarmprom queries: {n_ok} of {len(results)} evaluations return data, "
          f"{len(bad)} fail, after {waited} s (swarmprom {data['commit'][:12]})")
    return 1 if bad or stale else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prometheus", help="Prometheus' base URL, e.g. http://127.0.0.1:9090")
    p.add_argument("--offline", action="store_true")
    p.add_argument("--queries", default=os.path.join(HERE, "queries.json"))
    p.add_argument("--exceptions", default=os.path.join(HERE, "exceptions.yml"))
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()
    data, excepted, stale = load(args.queries, args.exceptions)
    if args.offline:
        return offline(data, excepted, stale)
    if not args.prometheus:
        p.error("--prometheus or --offline")
    return online(args.prometheus.rstrip("/"), data, excepted, stale, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
