// Types for tests/dashboards/schema_check.sh: a dashboard JSON file, as written by
// schema_ts.js, is checked with `satisfies DashboardOf` and each of its panels with
// `satisfies PanelOf<"<its type>">`. Everything comes from @grafana/schema (the Grafana the
// monitoring stack runs); this file only adapts those types to what JSON can hold.
import type {
  DataQuery,
  Dashboard,
  FieldConfig,
  FieldConfigSource,
  Panel,
  RowPanel,
  TableFooterOptions,
  VariableModel,
} from '@grafana/schema';
import type * as bargauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as gauge from '@grafana/schema/dist/esm/raw/composable/gauge/panelcfg/x/GaugePanelCfg_types.gen';
import type * as heatmap from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type * as piechart from '@grafana/schema/dist/esm/raw/composable/piechart/panelcfg/x/PieChartPanelCfg_types.gen';
import type * as stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as statetimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as statushistory from '@grafana/schema/dist/esm/raw/composable/statushistory/panelcfg/x/StatusHistoryPanelCfg_types.gen';
import type * as table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as text from '@grafana/schema/dist/esm/raw/composable/text/panelcfg/x/TextPanelCfg_types.gen';
import type * as timeseries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

type IsAny<T> = 0 extends 1 & T ? true : false;

// The same type with every TypeScript enum replaced by the union of its values: JSON holds
// "area", not BigValueGraphMode.Area. String literal unions, numbers (numeric enums accept
// their values), booleans and null are kept as they are; objects and arrays are mapped
// member by member, so excess property checks still apply.
export type Json<T> = IsAny<T> extends true
  ? T
  : T extends string
    ? string extends T
      ? string
      : `${T}`
    : T extends number | boolean | null | undefined
      ? T
      : T extends ReadonlyArray<infer U>
        ? Array<Json<U>>
        : T extends object
          ? { [K in keyof T]: Json<T[K]> }
          : T;

// A panel's options and custom field config: Grafana fills in every option a dashboard
// leaves out from the plugin's defaults, so each key may be missing, but a key that is
// there must be one of the plugin's and hold a value of its type. Arrays are kept whole.
export type DeepPartial<T> = T extends ReadonlyArray<unknown>
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

// Exclusions: what Grafana 11.2 itself writes into the dashboards it saves although its
// published types do not allow it. These are accepted, nothing else:
// - a query variable's `definition` (the query as text, which the dashboard serializer writes
//   next to `query`; VariableModel has no such key);
// - a table's `footer.fields: ""` (the footer's "All Numeric Fields" multi-select when empty,
//   as the table panel saves it; TableFooterOptions types it string[]).
type VariableSaved = Json<VariableModel> & { definition?: string };
type TableOptionsSaved = Omit<table.Options, 'footer'> & {
  footer?: Omit<TableFooterOptions, 'fields'> & { fields?: string[] | '' };
};

// The dashboard: @grafana/schema's Dashboard, its variables as saved.
export type DashboardOf = Omit<Json<Dashboard>, 'templating'> & {
  templating?: { list?: VariableSaved[] };
};

// The core panels (Grafana 11 and 12; no Angular panel) and their published types. Stat,
// gauge, bargauge and text publish no custom field config: there it stays the generic
// schema's Record<string, unknown>.
interface CorePanels {
  timeseries: { options: timeseries.Options; custom: timeseries.FieldConfig };
  stat: { options: stat.Options; custom: Record<string, unknown> };
  gauge: { options: gauge.Options; custom: Record<string, unknown> };
  bargauge: { options: bargauge.Options; custom: Record<string, unknown> };
  table: { options: TableOptionsSaved; custom: table.FieldConfig };
  'state-timeline': { options: statetimeline.Options; custom: statetimeline.FieldConfig };
  'status-history': { options: statushistory.Options; custom: statushistory.FieldConfig };
  piechart: { options: piechart.Options; custom: piechart.FieldConfig };
  heatmap: { options: heatmap.Options; custom: heatmap.FieldConfig };
  text: { options: text.Options; custom: Record<string, unknown> };
}
export type CoreType = keyof CorePanels;

// A query: DataQuery's fields typed (refId is required); the datasource's own fields
// (expr, legendFormat...) are not in the published types.
type Target = Json<DataQuery> & Record<string, unknown>;

// The generic FieldConfigSource with `custom` typed by the panel (the published veneer
// types custom as `TOptions & Record<string, unknown>`, which accepts any key).
type FieldConfigOf<C> = {
  defaults: Omit<Json<FieldConfig>, 'custom'> & { custom?: DeepPartial<Json<C>> };
  overrides: Json<FieldConfigSource['overrides']>;
};

export type PanelOf<K extends CoreType> = Omit<Json<Panel>, 'type' | 'options' | 'fieldConfig' | 'targets'> & {
  type: K;
  options?: DeepPartial<Json<CorePanels[K]['options']>>;
  fieldConfig?: FieldConfigOf<CorePanels[K]['custom']>;
  targets?: Target[];
};
type AnyPanel = { [K in CoreType]: PanelOf<K> }[CoreType];

// A row; its panels are each checked by their own `satisfies PanelOf<...>`.
export type RowOf = Omit<Json<RowPanel>, 'panels'> & { panels: AnyPanel[] };
