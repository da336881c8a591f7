import type { VegaLiteSpec } from '../renderSvg.js';

/** The shared look of every chart: fixed size for print, the same font and colour scheme. */
export function chart(title: string, body: Record<string, unknown>, size: { width?: number; height?: number } = {}): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: size.width ?? 360,
    height: size.height ?? 280,
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ccc' }, range: { category: { scheme: 'tableau10' } }, legend: { labelLimit: 320 } },
    ...body,
  } as VegaLiteSpec;
}

export const axis = (title: string, domain?: [number, number]) => ({ title, ...(domain ? { scale: { domain } } : {}) });
