#!/usr/bin/env bash
# The schema check's own test: schema_check.sh must accept testdata/valid.json (timeseries,
# stat, table, state-timeline; and the same with a collapsed row) and testdata/valid-panels.json
# (the other core panels), and reject each broken copy of them for its one fault, with that
# fault's JSON path in the error.
#   tests/dashboards/schema_check_test.sh --cache DIR   (or SCHEMA_CHECK_CACHE=DIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${SCHEMA_CHECK_CACHE:-}
if [ "${1:-}" = "--cache" ]; then cache=${2:?--cache needs a directory}; fi
if [ -z "$cache" ]; then
  echo "usage: $0 --cache DIR (or SCHEMA_CHECK_CACHE=DIR)" >&2
  exit 2
fi
WORK=$(mktemp -d /tmp/swarmscope-schema.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { bash "$here/schema_check.sh" --cache "$cache" "$@"; }

# Broken copies: NAME<TAB>JSON PATH THE ERROR MUST NAME<TAB>WHAT IS BROKEN, and the change.
python3 - "$here/testdata/valid.json" "$WORK" >"$WORK/cases.tsv" <<'PY'
import copy, json, sys

valid = json.load(open(sys.argv[1]))
out = sys.argv[2]
stat, timeseries, table, timeline = valid["panels"]
assert [p["type"] for p in valid["panels"]] == ["stat", "timeseries", "table", "state-timeline"]


def with_row(d, panel):
    """d with a collapsed row at the bottom holding panel."""
    panel = copy.deepcopy(panel)
    panel.update(id=6, gridPos={"h": 4, "w": 6, "x": 0, "y": 17})
    d["panels"].append({"id": 5, "type": "row", "title": "More", "collapsed": True,
                        "gridPos": {"h": 1, "w": 24, "x": 0, "y": 16}, "panels": [panel]})


more = json.load(open(sys.argv[1].replace("valid.json", "valid-panels.json")))
assert [p["type"] for p in more["panels"]] == ["text", "gauge", "bargauge", "piechart", "status-history", "heatmap"]

good = copy.deepcopy(valid)
with_row(good, stat)
json.dump(good, open(f"{out}/valid-row.json", "w"), indent=2)


def case(name, where, what, change, base=valid):
    d = copy.deepcopy(base)
    change(d)
    json.dump(d, open(f"{out}/{name}.json", "w"), indent=2)
    print(f"{name}\t{where}\t{what}")


def panel(i, *keys):
    """The object at d.panels[i].keys..."""
    def get(d):
        o = d["panels"][i]
        for k in keys:
            o = o[k]
        return o
    return get


def sideways_in_row(d):
    p = copy.deepcopy(stat)
    p["options"]["graphMode"] = "sideways"
    with_row(d, p)


case("unknown-option", "panels[0].options.graphMod", "an unknown key in a stat panel's options",
     lambda d: panel(0, "options")(d).update(graphMod="area"))
case("invalid-enum", "panels[0].options.graphMode", 'graphMode "sideways" in a stat panel',
     lambda d: panel(0, "options")(d).update(graphMode="sideways"))
case("angular-panel", "panels[1]", 'an Angular "graph" panel',
     lambda d: panel(1)(d).update(type="graph"))
case("schema-version-string", "schemaVersion", 'schemaVersion "39", a string',
     lambda d: d.update(schemaVersion="39"))
case("unknown-custom", "panels[1].fieldConfig.defaults.custom.lineWidht",
     "an unknown key in a timeseries panel's custom field config",
     lambda d: panel(1, "fieldConfig", "defaults", "custom")(d).update(lineWidht=2))
case("invalid-legend", "panels[1].options.legend.placement", 'legend placement "left"',
     lambda d: panel(1, "options", "legend")(d).update(placement="left"))
case("invalid-table-option", "panels[2].options.cellHeight", 'table cellHeight "xl"',
     lambda d: panel(2, "options")(d).update(cellHeight="xl"))
case("unknown-timeline-option", "panels[3].options.showValues",
     "an unknown key in a state-timeline panel's options",
     lambda d: panel(3, "options")(d).update(showValues="auto"))
case("invalid-mapping", "panels[3].fieldConfig.defaults.mappings[0].type", 'value mapping type "values"',
     lambda d: panel(3, "fieldConfig", "defaults", "mappings")(d)[0].update(type="values"))
case("unknown-panel-key", "panels[2].datasourceUid", "an unknown key on a panel",
     lambda d: panel(2)(d).update(datasourceUid="prometheus"))
case("target-without-refid", "panels[1].targets[0]", "a query without refId",
     lambda d: panel(1, "targets")(d)[0].pop("refId"))
case("inputs", "__inputs", "an export's __inputs (file provisioning does not resolve them)",
     lambda d: d.update(__inputs=[{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}]))
case("variable-type", "templating.list[0].type", 'a template variable of type "datasourc"',
     lambda d: d["templating"]["list"][0].update(type="datasourc"))
case("table-footer-fields", "panels[2].options.footer.fields",
     'table footer fields "Value" (the exclusion is "" only)',
     lambda d: panel(2, "options", "footer")(d).update(fields="Value"))
case("variable-key", "templating.list[1].definitions", "an unknown key on a query variable",
     lambda d: d["templating"]["list"][1].update(definitions="label_values(service_name)"))
case("numeric-enum", "graphTooltip", "graphTooltip 3 (0, 1 or 2)", lambda d: d.update(graphTooltip=3))
case("text-mode", "panels[0].options.mode", 'text panel mode "md"',
     lambda d: d["panels"][0]["options"].update(mode="md"), more)
case("gauge-option", "panels[1].options.showThresholdMarker", "an unknown key in a gauge panel's options",
     lambda d: d["panels"][1]["options"].update(showThresholdMarker=True), more)
case("bargauge-mode", "panels[2].options.displayMode", 'bargauge displayMode "bars"',
     lambda d: d["panels"][2]["options"].update(displayMode="bars"), more)
case("piechart-type", "panels[3].options.pieType", 'piechart pieType "ring"',
     lambda d: d["panels"][3]["options"].update(pieType="ring"), more)
case("status-history-value", "panels[4].options.colWidth", "status-history colWidth as a string",
     lambda d: d["panels"][4]["options"].update(colWidth="0.9"), more)
case("heatmap-color", "panels[5].options.color.mode", 'heatmap color mode "schema"',
     lambda d: d["panels"][5]["options"]["color"].update(mode="schema"), more)
case("row-panel", "panels[4].panels[0].options.graphMode", 'graphMode "sideways" in a panel inside a row',
     sideways_in_row)
PY
printf '{"title": "truncated", "panels": [' >"$WORK/not-json.json"

if check "$here/testdata/valid.json" "$WORK/valid-row.json" "$here/testdata/valid-panels.json" \
  >"$WORK/valid.out" 2>&1; then
  grep '^installed ' "$WORK/valid.out" || true # the first run in a cache
  ok "accepts testdata/valid.json, the same with a collapsed row, and testdata/valid-panels.json"
else
  cat "$WORK/valid.out"
  bad "rejects a valid dashboard (or could not run: above); the broken ones would tell nothing"
  echo "schema check self-test: $passed passed, $failed failed"
  exit 1
fi

# The broken copies, in one run as the real check runs.
names=()
while IFS=$'\t' read -r name _ _; do names+=("$WORK/$name.json"); done <"$WORK/cases.tsv"
status=0
check "${names[@]}" "$WORK/not-json.json" >"$WORK/broken.out" 2>&1 || status=$?
if [ "$status" -eq 0 ]; then
  bad "the run on $((${#names[@]} + 1)) broken dashboards exited 0"
else
  ok "the run on $((${#names[@]} + 1)) broken dashboards exits $status"
fi
report() {  # report FILE: the lines of broken.out about FILE
  awk -v f="$1" 'index($0, f ": ") == 1 { on = 1; print; next } /^[^ ]/ { on = 0 } on' "$WORK/broken.out"
}
while IFS=$'\t' read -r name where what; do
  lines=$(report "$WORK/$name.json")
  if ! grep -q ': FAIL, 1 error$' <<<"$lines"; then
    bad "$what ($name.json) is not rejected with exactly one error: ${lines:-no report}"
  elif ! grep -qF "  $where" <<<"$lines"; then
    bad "$what ($name.json) is rejected, but not at $where: $lines"
  else
    ok "rejects $what: $(sed -n 2p <<<"$lines" | cut -c1-160)"
  fi
done <"$WORK/cases.tsv"
if report "$WORK/not-json.json" | grep -q ': FAIL, not JSON'; then
  ok "rejects a file that is not JSON"
else
  bad "a file that is not JSON is not rejected"
fi
if [ "$failed" -ne 0 ]; then
  echo "--- the check's output on the broken dashboards"
  cat "$WORK/broken.out"
fi
echo "schema check self-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
