import type { FeatureConfig } from '@fedrad/protocol';
import { readImage, readMask } from '@fedrad/imaging';
import { extractFeatures } from '@fedrad/radiomics';

/** One case of a cohort, as a manifest row gives it (paths absolute). */
export interface ExtractTask {
  id: string;
  image: string;
  mask: string;
  label?: number;
  roi?: string;
  config: FeatureConfig;
}

export type ExtractOutcome =
  | { id: string; ok: true; features: Record<string, number>; diagnostics: Record<string, number> }
  | { id: string; ok: false; code: string; message: string };

/** Reads, preprocesses and extracts one case. Throws the readers' and pipeline's typed errors. */
export function extractCase(task: ExtractTask): ExtractOutcome {
  const image = readImage(task.image);
  const mask = readMask(task.mask, image, { label: task.label, roi: task.roi, imagePath: task.image });
  const { features, diagnostics } = extractFeatures({ image, mask, config: task.config, caseId: task.id });
  return { id: task.id, ok: true, features, diagnostics };
}

/**
 * Worker-thread entry (piscina loads this module in each worker of a cohort extraction and calls
 * the default export).
 * A failing case comes back as an outcome with its error code and message, never as a crash.
 */
export default function extractCaseTask(task: ExtractTask): ExtractOutcome {
  try {
    return extractCase(task);
  } catch (e) {
    const err = e as { code?: unknown; message?: string };
    return { id: task.id, ok: false, code: typeof err.code === 'string' ? err.code : 'EXTRACTION_FAILED', message: err.message ?? String(e) };
  }
}

