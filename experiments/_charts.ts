/**
 * Vega-Lite specifications the experiments share; the report renders them.
 *
 * @module
 */

import type { TopLevelSpec } from "vega-lite";

/** A chart's width and height, in pixels. */
export const CHART_SIZE = { width: 220, height: 180 } as const;

/**
 * Bars grouped by runtime, one bar per series.
 *
 * @param title The chart's title.
 * @param unit The y axis.
 * @param values One value per runtime and series; missing ones are left out.
 * @param runtimes The runtimes' order.
 * @returns The specification.
 */
export function groupedBars(
  title: string,
  unit: string,
  values: { runtime: string; series: string; value: number | null | undefined }[],
  runtimes: readonly string[],
): TopLevelSpec {
  return {
    title,
    width: CHART_SIZE.width * 1.6,
    height: CHART_SIZE.height,
    data: { values: values.filter((v) => v.value !== null && v.value !== undefined) },
    mark: "bar",
    encoding: {
      x: { field: "runtime", type: "nominal", sort: [...runtimes], title: null },
      xOffset: { field: "series", type: "nominal" },
      y: { field: "value", type: "quantitative", title: unit },
      color: { field: "series", type: "nominal" },
    },
  };
}
