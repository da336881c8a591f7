import * as vega from 'vega';
import * as vl from 'vega-lite';

/** A Vega-Lite specification (as vega-lite's compile takes it). */
export type VegaLiteSpec = vl.TopLevelSpec;

/**
 * Renders a Vega-Lite chart to an SVG string in Node: vega-lite compiles it to Vega, and a Vega
 * view with no renderer draws it headless (Vega's own SVG string renderer). Data are inline
 * values only: the view's loader is given nothing to fetch, so nothing is downloaded.
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  // A copy: vega tags every datum it reads with a symbol, and the caller's rows are the twin's numbers.
  const compiled = vl.compile(structuredClone(spec)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: vega.loader({ mode: 'file' }) });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
