#!/usr/bin/env node
// The TypeScript side of tests/dashboards/schema_check.sh.
//   node schema_ts.js gen OUTDIR DASHBOARD.json...
//     writes OUTDIR/dNN.ts for each dashboard: its JSON as one object literal written inline,
//     `satisfies DashboardOf` (@grafana/schema's Dashboard), each panel
//     `satisfies PanelOf<"<its type>">` (a row `satisfies RowOf`), so tsc's excess property checks and value checks apply to every
//     key; OUTDIR/tsconfig.json; OUTDIR/files.json (which .ts is which dashboard, and the
//     JSON path each of its lines comes from).
//   node schema_ts.js report OUTDIR TSC_OUTPUT TSC_STATUS
//     prints tsc's errors by dashboard, each with the JSON path and panel it is about;
//     exits 1 when there is any error (or tsc failed without saying why).
'use strict';
const fs = require('fs');
const path = require('path');

const PANEL_PATH = /^panels\[\d+\](\.panels\[\d+\])?$/;

function literal(v) {
  return JSON.stringify(v);
}

// Writes value v as TypeScript lines, one property or element per line, each line
// remembering the JSON path it comes from.
function write(out, v, at, indent, prefix, suffix) {
  const line = (text) => out.push({ text: indent + text, path: at });
  let close = '';
  if (PANEL_PATH.test(at) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
    let type = 'PanelOf<CoreType>'; // no type: tsc says so
    if (v.type === 'row') {
      type = 'RowOf';
    } else if (typeof v.type === 'string') {
      type = `PanelOf<${literal(v.type)}>`;
    }
    close = ` satisfies ${type}`;
  }
  if (Array.isArray(v) && v.length > 0) {
    line(`${prefix}[`);
    v.forEach((e, i) => write(out, e, `${at}[${i}]`, indent + '  ', '', ','));
    line(`]${suffix}`);
  } else if (v !== null && typeof v === 'object' && Object.keys(v).length > 0) {
    line(`${prefix}{`);
    for (const [k, e] of Object.entries(v)) {
      write(out, e, at === '' ? k : `${at}.${k}`, indent + '  ', `${literal(k)}: `, ',');
    }
    line(`}${close}${suffix}`);
  } else {
    line(`${prefix}${literal(v)}${close}${suffix}`);
  }
}

function gen(outdir, files) {
  fs.mkdirSync(outdir, { recursive: true });
  const index = { dashboards: [], unreadable: [] };
  files.forEach((file, n) => {
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      index.unreadable.push({ json: file, error: e.message });
      return;
    }
    const ts = `d${String(n).padStart(2, '0')}.ts`;
    const out = [
      { text: `// Generated from ${file} by tests/dashboards/schema_ts.js; checked by tsc.`, path: null },
      { text: "import type { CoreType, DashboardOf, PanelOf, RowOf } from './grafana_panels';", path: null },
    ];
    write(out, doc, '', '', 'export const dashboard = ', ' satisfies DashboardOf;');
    fs.writeFileSync(path.join(outdir, ts), out.map((l) => l.text).join('\n') + '\n');
    const panels = {};
    const note = (p, at) => {
      if (p !== null && typeof p === 'object') {
        panels[at] = { title: p.title, type: p.type };
      }
    };
    if (doc !== null && typeof doc === 'object' && Array.isArray(doc.panels)) {
      doc.panels.forEach((p, i) => {
        note(p, `panels[${i}]`);
        if (p && Array.isArray(p.panels)) {
          p.panels.forEach((q, j) => note(q, `panels[${i}].panels[${j}]`));
        }
      });
    }
    index.dashboards.push({ json: file, ts, lines: out.map((l) => l.path), panels });
  });
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2022',
      module: 'es2022',
      moduleResolution: 'node10',
      skipLibCheck: true, // Grafana's own .d.ts files are not what is checked
      types: [],
    },
    files: ['grafana_panels.ts', ...index.dashboards.map((d) => d.ts)],
  };
  fs.writeFileSync(path.join(outdir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2) + '\n');
  fs.writeFileSync(path.join(outdir, 'files.json'), JSON.stringify(index) + '\n');
}

function where(d, line) {
  const at = d.lines[line - 1];
  if (at === undefined || at === null) {
    return `line ${line} of the generated ${d.ts}`;
  }
  const m = /^(panels\[\d+\](?:\.panels\[\d+\])?)/.exec(at);
  let panel = '';
  if (m && d.panels[m[1]]) {
    const p = d.panels[m[1]];
    panel = ` (panel ${JSON.stringify(p.title)}, ${JSON.stringify(p.type)})`;
  }
  return (at === '' ? '(top level)' : at) + panel;
}

function report(outdir, tscOutput, tscStatus) {
  const index = JSON.parse(fs.readFileSync(path.join(outdir, 'files.json'), 'utf8'));
  const byTs = new Map(index.dashboards.map((d) => [d.ts, { d, errors: [] }]));
  const other = [];
  let last = null;
  for (const raw of fs.readFileSync(tscOutput, 'utf8').split('\n')) {
    const m = /^(.*)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(raw);
    if (m) {
      const entry = byTs.get(path.basename(m[1]));
      last = { text: `${m[4]}: ${m[5]}`, line: Number(m[2]) };
      if (entry && path.resolve(outdir, m[1]) === path.resolve(outdir, entry.d.ts)) {
        // A panel's unknown key is reported twice, by its own `satisfies` and by the
        // dashboard's: once is enough.
        const seen = entry.errors.find((e) => e.line === last.line && e.code === m[4]);
        last.code = m[4];
        last.text = `${where(entry.d, last.line)}: ${last.text}`;
        if (seen) {
          last = { text: '' }; // its continuation lines are dropped with it
        } else {
          entry.errors.push(last);
        }
      } else {
        last.text = `${m[1]}(${m[2]},${m[3]}): ${last.text}`;
        other.push(last);
      }
    } else if (/^\s+\S/.test(raw) && last) {
      last.text += `\n    ${raw.trim()}`;
    } else if (raw.trim() !== '') {
      last = { text: raw.trim() };
      other.push(last);
    }
  }
  let bad = 0;
  for (const u of index.unreadable) {
    console.log(`${u.json}: FAIL, not JSON: ${u.error}`);
    bad++;
  }
  for (const { d, errors } of byTs.values()) {
    if (errors.length === 0) {
      console.log(`${d.json}: ok`);
      continue;
    }
    bad++;
    console.log(`${d.json}: FAIL, ${errors.length} error${errors.length === 1 ? '' : 's'}`);
    for (const e of errors) {
      console.log(`  ${e.text}`);
    }
  }
  if (other.length > 0) {
    bad++;
    console.log('tsc (not about one dashboard):');
    for (const e of other) {
      console.log(`  ${e.text}`);
    }
  }
  if (bad === 0 && tscStatus !== 0) {
    console.log(`tsc exited ${tscStatus} without an error message`);
    bad++;
  }
  return bad === 0 ? 0 : 1;
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'gen' && args.length >= 2) {
  gen(args[0], args.slice(1));
} else if (mode === 'report' && args.length === 3) {
  process.exitCode = report(args[0], args[1], Number(args[2]));
} else {
  console.error('usage: schema_ts.js gen OUTDIR DASHBOARD.json... | report OUTDIR TSC_OUTPUT TSC_STATUS');
  process.exitCode = 2;
}
