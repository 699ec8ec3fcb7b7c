import type { Action, FieldChange, ApplyOutcome, PlannedItem, SystemPlan } from './plan.js';

/** Plain-text rendering of plans and outcomes, the way the CLI prints them. */

export type SystemResult =
  | { title: string; target: string; status: 'skipped'; reason: string }
  | { title: string; target: string; status: 'failed'; reason: string; outage: boolean }
  | { title: string; target: string; status: 'planned'; plan: SystemPlan };

const SYMBOL: Record<Action, string> = { create: '+', update: '~', unchanged: '=' };

export function formatPlan(results: SystemResult[]): string {
  const lines: string[] = [];
  const counts: Record<Action, number> = { create: 0, update: 0, unchanged: 0 };
  for (const result of results) {
    lines.push(`${result.title} (${result.target})`);
    if (result.status === 'planned') {
      for (const item of result.plan.items) {
        counts[item.action] += 1;
        lines.push(`  ${SYMBOL[item.action]} ${item.action} ${itemName(item)}${formatChanges(item.changes)}`);
      }
    } else {
      lines.push(`  ${result.status}: ${result.reason}`);
    }
  }
  lines.push('', `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.unchanged} unchanged${systemsSummary(results)}.`);
  return `${lines.join('\n')}\n`;
}

export function formatOutcomes(outcomes: { title: string; outcomes: ApplyOutcome[] }[]): string {
  const lines: string[] = [];
  const counts = { created: 0, updated: 0, failed: 0, 'not attempted': 0 };
  for (const { title, outcomes: list } of outcomes) {
    if (list.length === 0) continue;
    lines.push(title);
    for (const { item, status, message } of list) {
      const done = item.action === 'create' ? 'created' : 'updated';
      if (status === 'done') {
        counts[done] += 1;
        lines.push(`  ${done} ${itemName(item)}`);
      } else {
        counts[status] += 1;
        const what = status === 'failed' ? `FAILED to ${item.action}` : 'not attempted:';
        lines.push(`  ${what} ${itemName(item)}: ${message ?? 'no detail'}`);
      }
    }
  }
  if (lines.length > 0) lines.push('');
  lines.push(`Apply: ${counts.created} created, ${counts.updated} updated, ${counts.failed} failed, ${counts['not attempted']} not attempted.`);
  return `${lines.join('\n')}\n`;
}

function itemName(item: PlannedItem): string {
  return `${item.kind} "${item.name}"`;
}

function formatChanges(changes: FieldChange[]): string {
  if (changes.length === 0) return '';
  return ` (${changes.map(({ field, from, to }) => `${field}: ${formatValue(from)} → ${formatValue(to)}`).join('; ')})`;
}

function formatValue(value: unknown): string {
  // Strings quoted but not escaped: filter expressions hold quotes of their own.
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

function systemsSummary(results: SystemResult[]): string {
  const titles = (status: SystemResult['status']): string[] => results.filter((r) => r.status === status).map((r) => r.title);
  const skipped = titles('skipped');
  const failed = titles('failed');
  return `${skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : ''}${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}`;
}
