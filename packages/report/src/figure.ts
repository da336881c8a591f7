import { esc } from './html.js';
import { renderSvg, type VegaLiteSpec } from './renderSvg.js';

/** A plot the report could not draw, and why. */
export interface NotDrawn {
  plot: string;
  reason: string;
}

/**
 * Draws one plot into a figure. A plot that fails to render leaves a note in its place and in
 * `notDrawn`, so one bad chart never costs the study its report.
 */
export function figureMaker(notDrawn: NotDrawn[]) {
  return async (spec: VegaLiteSpec, caption: string): Promise<string> => {
    try {
      return `<figure data-plot="${esc(caption)}">${await renderSvg(spec)}<figcaption class="note">${esc(caption)}</figcaption></figure>`;
    } catch (e) {
      const reason = (e as Error).message.slice(0, 500);
      notDrawn.push({ plot: caption, reason });
      return `<p class="note not-drawn">${esc(caption)}: could not be drawn (${esc(reason)}).</p>`;
    }
  };
}

