"""A small builder for Grafana dashboard JSON (schemaVersion 39, core panels only).

Dashboards are written as Python calls (dashboards/src/<name>.py) and rendered by
dashboards/generate.py; the JSON files are what Grafana provisions and what users import.
Every panel and target uses the datasource variable `${datasource}`, so a dashboard works
both from file provisioning and from a manual import. Panels are laid out in order, left to
right, on a 24-column grid; a row() starts a new line.
"""

DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39
TAG = "swarmscope"

# What the series emitted by one node at a time (the swarm leader: docker_swarm_*, the
# cluster-wide ceph_*) are aggregated with, so that a leader change, which changes their
# instance and swarm_node_* labels, neither breaks a panel nor doubles a line.
LEADER_LABELS = "instance, swarm_node_id, swarm_node_name"


def leader(expr, agg="max"):
    """The leader-written `expr` without the writer's target labels."""
    return f"{agg} without({LEADER_LABELS}) ({expr})"


def target(expr, legend="", instant=False, fmt=None):
    return {"expr": expr, "legend": legend, "instant": instant, "format": fmt}


def _targets(targets, instant_default, fmt_default):
    out = []
    for i, t in enumerate(targets):
        if isinstance(t, str):
            t = target(t)
        instant = t["instant"] or instant_default
        entry = {
            "datasource": DS,
            "editorMode": "code",
            "expr": t["expr"],
            "legendFormat": t["legend"] or "__auto",
            "range": not instant,
            "instant": instant,
            "refId": chr(ord("A") + i),
        }
        fmt = t["format"] or fmt_default
        if fmt:
            entry["format"] = fmt
        out.append(entry)
    return out


def thresholds(*steps):
    """thresholds("green", (1, "red")): the base color, then (value, color) steps."""
    out = [{"color": steps[0], "value": None}]
    out += [{"color": c, "value": v} for v, c in steps[1:]]
    return {"mode": "absolute", "steps": out}


def value_map(mapping):
    """{value: (text, color)} as Grafana value mappings."""
    options = {str(k): {"text": text, "color": color, "index": i}
               for i, (k, (text, color)) in enumerate(mapping.items())}
    return [{"type": "value", "options": options}]


def _panel(kind, title, description, targets, unit, w, h, *, instant=False, fmt=None,
           options=None, custom=None, defaults=None, overrides=None, transformations=None,
           links=None):
    fd = {"unit": unit}
    fd.update(defaults or {})
    if links:
        fd["links"] = links
    if custom is not None:
        fd["custom"] = custom
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"w": w, "h": h},
        "fieldConfig": {"defaults": fd, "overrides": overrides or []},
        "options": options or {},
        "targets": _targets(targets, instant, fmt),
    }
    if transformations:
        p["transformations"] = transformations
    return p


LEGEND_LIST = {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []}
LEGEND_TABLE = {"displayMode": "table", "placement": "right", "showLegend": True,
                "calcs": ["mean", "max", "lastNotNull"]}
TOOLTIP = {"mode": "multi", "sort": "desc"}


def timeseries(title, description, targets, unit, w=12, h=8, *, stack=False, legend_table=False,
               min0=True, overrides=None, max1=False):
    custom = {
        "drawStyle": "line",
        "lineInterpolation": "linear",
        "lineWidth": 1,
        "fillOpacity": 20 if stack else 10,
        "gradientMode": "none",
        "showPoints": "never",
        "spanNulls": False,
        "axisPlacement": "auto",
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
    }
    defaults = {"color": {"mode": "palette-classic"}}
    if min0:
        defaults["min"] = 0
    if max1:
        defaults["max"] = 1
    options = {"legend": LEGEND_TABLE if legend_table else LEGEND_LIST, "tooltip": TOOLTIP}
    return _panel("timeseries", title, description, targets, unit, w, h, options=options,
                  custom=custom, defaults=defaults, overrides=overrides)


def stat(title, description, targets, unit, w=4, h=4, *, steps=("green",), mapping=None,
         graph=False, color_mode="value", text_mode="auto"):
    options = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": color_mode,
        "graphMode": "area" if graph else "none",
        "justifyMode": "auto",
        "orientation": "auto",
        "textMode": text_mode,
        "wideLayout": True,
        "showPercentChange": False,
    }
    defaults = {"color": {"mode": "thresholds"}, "thresholds": thresholds(*steps)}
    if mapping:
        defaults["mappings"] = value_map(mapping)
    return _panel("stat", title, description, targets, unit, w, h, instant=not graph,
                  options=options, defaults=defaults)


def table(title, description, targets, unit, w=24, h=8, *, columns=None, overrides=None,
          sort=None, links=None):
    """An instant table of one or more queries merged on their labels. `columns` renames
    (and orders) the fields kept: {field: header}; the others are hidden."""
    transformations = [{"id": "merge", "options": {}}]
    if columns is not None:
        transformations.append({
            "id": "organize",
            "options": {
                "excludeByName": {"Time": True},
                "renameByName": dict(columns),
                "indexByName": {k: i for i, k in enumerate(columns)},
                "includeByName": {k: True for k in columns},
            },
        })
    options = {"showHeader": True, "cellHeight": "sm",
               "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": ""}}
    if sort:
        options["sortBy"] = [{"displayName": sort, "desc": True}]
    defaults = {"custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False}}
    return _panel("table", title, description, targets, unit, w, h, instant=True, fmt="table",
                  options=options, defaults=defaults, overrides=overrides,
                  transformations=transformations, links=links)


def state_timeline(title, description, targets, mapping, w=24, h=8, unit="none"):
    options = {"mergeValues": True, "showValue": "auto", "alignValue": "left",
               "rowHeight": 0.9, "legend": LEGEND_LIST, "tooltip": {"mode": "single", "sort": "none"}}
    custom = {"lineWidth": 0, "fillOpacity": 70}
    defaults = {"color": {"mode": "thresholds"}, "thresholds": thresholds("text"),
                "mappings": value_map(mapping)}
    return _panel("state-timeline", title, description, targets, unit, w, h, options=options,
                  custom=custom, defaults=defaults)


def bargauge(title, description, targets, unit, w=12, h=8, *, steps=("green",), max_=None):
    options = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "orientation": "horizontal",
        "displayMode": "gradient",
        "valueMode": "color",
        "showUnfilled": True,
        "namePlacement": "auto",
        "sizing": "auto",
        "minVizHeight": 16,
        "minVizWidth": 8,
        "maxVizHeight": 300,
    }
    defaults = {"color": {"mode": "thresholds"}, "thresholds": thresholds(*steps), "min": 0}
    if max_ is not None:
        defaults["max"] = max_
    return _panel("bargauge", title, description, targets, unit, w, h, instant=True,
                  options=options, defaults=defaults)


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [],
            "gridPos": {"w": 24, "h": 1}}


def override(field, **props):
    """A field override by name: override("Memory limit", unit="bytes")."""
    return {"matcher": {"id": "byName", "options": field},
            "properties": [{"id": k.replace("_", "."), "value": v} for k, v in props.items()]}


def query_var(name, label, query, *, multi=True, include_all=True, all_value=".*", regex=""):
    """A variable read from Prometheus (label_values(...), query_result(...)). Without "All",
    no allValue and no current (Grafana takes the first value): @grafana/schema types
    allValue as a string and current as {text, value} (tests/dashboards/schema_check.sh)."""
    var = {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DS,
        "definition": query,
        "query": {"qryType": 1 if query.startswith("label_values") else 3, "query": query,
                  "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "regex": regex,
        "sort": 1,
        "multi": multi,
        "includeAll": include_all,
        "options": [],
        "hide": 0,
    }
    if include_all:
        var["allValue"] = all_value
        var["current"] = {"selected": True, "text": ["All"], "value": ["$__all"]}
    return var


DATASOURCE_VAR = {
    "type": "datasource",
    "name": "datasource",
    "label": "Data source",
    "query": "prometheus",
    "regex": "",
    "options": [],
    "refresh": 1,
    "hide": 0,
    "includeAll": False,
    "multi": False,
}


def _layout(panels):
    """gridPos x/y and ids, in order: left to right, wrapping at 24 columns."""
    x = y = line_h = 0
    for i, p in enumerate(panels, start=1):
        g = p["gridPos"]
        if p["type"] == "row" or x + g["w"] > 24:
            y += line_h
            x = line_h = 0
        g["x"], g["y"] = x, y
        p["id"] = i
        x += g["w"]
        line_h = max(line_h, g["h"])
        if p["type"] == "row":
            y += 1
            x = line_h = 0
    return panels


def dashboard(uid, title, description, panels, variables=(), refresh="30s", time_from="now-1h"):
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": [TAG],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "refresh": refresh,
        "schemaVersion": SCHEMA_VERSION,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "weekStart": "",
        "version": 1,
        "annotations": {"list": [{
            "builtIn": 1,
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True,
            "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard",
        }]},
        "links": [{
            "title": "swarmscope dashboards",
            "type": "dashboards",
            "tags": [TAG],
            "asDropdown": True,
            "includeVars": False,
            "keepTime": True,
            "targetBlank": False,
            "icon": "external link",
            "tooltip": "",
            "url": "",
        }],
        "templating": {"list": [DATASOURCE_VAR, *variables]},
        "panels": _layout(list(panels)),
    }


def dashboard_link(uid, text, var=None, field=None):
    """A data link to another swarmscope dashboard, keeping the time range; with var and
    field, the clicked row's field selects that dashboard's variable."""
    url = f"/d/{uid}?${{__url_time_range}}&${{datasource:queryparam}}"
    if var:
        url += f"&var-{var}=${{__data.fields[\"{field}\"]}}"
    return {"title": text, "url": url, "targetBlank": False}
