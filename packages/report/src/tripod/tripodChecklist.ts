import type { ReportInput } from '../reportInput.js';
import { TRIPOD_AI_ITEMS, TRIPOD_AI_SOURCE, type TripodProvision } from './tripodItems.js';

export interface TripodRow {
  item: string;
  section: string;
  topic: string;
  text: string;
  provision: TripodProvision;
  evidence: string;
}

/** The TRIPOD+AI items for external validation with what the campaign provides for each, and the counts by provision. */
export function tripodChecklist(input: ReportInput): { source: string; items: TripodRow[]; counts: Record<TripodProvision, number> } {
  const items = TRIPOD_AI_ITEMS.map(({ answer, ...def }) => ({ ...def, ...answer(input) }));
  const counts = { provided: 0, partly: 0, authors: 0 };
  for (const i of items) counts[i.provision]++;
  return { source: TRIPOD_AI_SOURCE, items, counts };
}
