import { describeIssue, type ValidationIssue } from '@fedrad/protocol/issues';
import { validateCampaignProtocol } from '../generated/campaignProtocolValidator.js';

export interface DraftCheck {
  /** The parsed document, when the text is JSON. */
  doc?: unknown;
  /** JSON.parse's message when it is not. */
  syntaxError?: string;
  /** Schema issues by field (JSON pointer), as @fedrad/protocol words them on the server. */
  issues: ValidationIssue[];
}

/**
 * The editor's check on every keystroke: parse, then validate against the campaign-protocol
 * schema compiled at build time (scripts/generate-validator.mjs, the same schema files and ajv
 * options as the coordinator's validator), so the field errors match what `create` would say.
 */
export function checkDraft(text: string): DraftCheck {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { syntaxError: (e as Error).message, issues: [] };
  }
  if (validateCampaignProtocol(doc)) return { doc, issues: [] };
  return { doc, issues: dedupe((validateCampaignProtocol.errors ?? []).map(describeIssue)) };
}

// allErrors reports a oneOf's failure once per branch and once for the oneOf: one line each.
function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.field}\u0000${i.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** A JSON pointer as the dotted name the coordinator's refusals use (`/model/alpha` → `model.alpha`). */
export function pointerToField(pointer: string): string {
  return pointer === '' ? '(document)' : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

/** Issues and refusals grouped by top-level field, in the order they appear, for field-level display. */
export function groupByField<T>(items: T[], fieldOf: (item: T) => string): Array<{ field: string; items: T[] }> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const top = fieldOf(item).split('.')[0] || '(document)';
    groups.set(top, [...(groups.get(top) ?? []), item]);
  }
  return [...groups].map(([field, list]) => ({ field, items: list }));
}
