// A workflow's conductor state in the store, in parts: a small header, the initial context,
// task executions in groups of RUNS_PER_PART, and with-items values/results/marks in slices of
// ITEMS_PER_PART. Saving after an event writes only the parts whose content changed, so an
// event costs the same for the 10th and the 10,000th item instead of rewriting the whole state.
//
// What changed is found without serializing everything: each part has a fingerprint (the
// values and object references it is made of); the conductor replaces results and changes
// run fields by assignment (never deep inside a saved object), so an equal fingerprint means
// an equal part.
import type { StatePart } from '../store/workflows.js';
import { readStateParts, readWorkflowState } from '../store/workflows.js';
import type { Tx } from '../store/types.js';
import type { Graph } from './graph.js';
import type { ItemsState, TaskRun, WorkflowState } from './state.js';

const RUNS_PER_PART = 64;
const ITEMS_PER_PART = 128;

/** What was last saved or read, to tell which parts an event changed. */
export interface Saved {
  header: string;
  fingerprints: Map<string, readonly unknown[]>;
}

type StoredItems = Omit<ItemsState, 'values' | 'results' | 'marks'> & { count: number };
type StoredRun = Omit<TaskRun, 'items'> & { items: StoredItems | null };
type Header = Omit<WorkflowState, 'root' | 'runs'> & { runCount: number };
interface ItemSlice {
  values: unknown[];
  results: unknown[];
  marks: string;
}

interface PartSpec {
  key: string;
  fingerprint: unknown[];
  body: () => unknown;
}

function storedRun(run: TaskRun): StoredRun {
  if (!run.items) return run as StoredRun;
  const { values, results: _results, marks: _marks, ...rest } = run.items;
  return { ...run, items: { ...rest, count: values.length } };
}

function runFingerprint(run: TaskRun, out: unknown[]): void {
  const keys = Object.keys(run);
  out.push(keys.length);
  for (const k of keys) out.push(k, run[k as keyof TaskRun]);
  const items = run.items;
  if (items) out.push(items.values, items.concurrency, items.next, items.active, items.failed);
}

/** Every part of `state`, with its fingerprint and (lazily) its body. */
function partsOf(state: WorkflowState): PartSpec[] {
  const parts: PartSpec[] = [{ key: 'root', fingerprint: [state.root], body: () => state.root }];
  for (let start = 0; start < state.runs.length; start += RUNS_PER_PART) {
    const group = state.runs.slice(start, start + RUNS_PER_PART);
    const fingerprint: unknown[] = [group.length];
    for (const run of group) runFingerprint(run, fingerprint);
    parts.push({ key: `runs:${start / RUNS_PER_PART}`, fingerprint, body: () => group.map(storedRun) });
  }
  for (const run of state.runs) {
    const items = run.items;
    if (!items) continue;
    for (let start = 0; start < items.values.length; start += ITEMS_PER_PART) {
      const end = start + ITEMS_PER_PART;
      const fingerprint: unknown[] = [items.values, items.marks.slice(start, end)];
      for (let i = start; i < Math.min(end, items.values.length); i++) fingerprint.push(items.results[i]);
      const body = (): ItemSlice => ({ values: items.values.slice(start, end), results: items.results.slice(start, end), marks: items.marks.slice(start, end) });
      parts.push({ key: `items:${run.id}:${start / ITEMS_PER_PART}`, fingerprint, body });
    }
  }
  return parts;
}

function headerOf(state: WorkflowState): string {
  const { root: _root, runs, ...rest } = state;
  const header: Header = { ...rest, runCount: runs.length };
  return JSON.stringify(header);
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The header to write (null: unchanged) and the parts that changed since `saved` (everything when null). */
export function encodeState(state: WorkflowState, saved: Saved | null): { header: string | null; parts: StatePart[]; saved: Saved } {
  const header = headerOf(state);
  const fingerprints = new Map<string, readonly unknown[]>();
  const parts: StatePart[] = [];
  for (const p of partsOf(state)) {
    fingerprints.set(p.key, p.fingerprint);
    if (!sameList(saved?.fingerprints.get(p.key), p.fingerprint)) parts.push({ key: p.key, body: JSON.stringify(p.body()) });
  }
  return { header: saved?.header === header ? null : header, parts, saved: { header, fingerprints } };
}

function decodeItems(runId: number, stored: StoredItems, bodies: Map<string, string>): ItemsState {
  const { count, ...rest } = stored;
  const items: ItemsState = { ...rest, values: [], results: [], marks: '' };
  for (let chunk = 0; chunk * ITEMS_PER_PART < count; chunk++) {
    const slice = JSON.parse(bodies.get(`items:${runId}:${chunk}`) ?? missing(`items:${runId}:${chunk}`)) as ItemSlice;
    items.values.push(...slice.values);
    items.results.push(...slice.results);
    items.marks += slice.marks;
  }
  return items;
}

function missing(key: string): never {
  throw new Error(`workflow state part ${key} is missing`);
}

/** Rebuilds the state from its header and parts (or takes a whole state saved before parts existed). */
export function decodeState(headerText: string, parts: readonly StatePart[]): { state: WorkflowState; saved: Saved } {
  const parsed = JSON.parse(headerText) as Header | WorkflowState;
  if ('runs' in parsed) return { state: parsed, saved: { header: '', fingerprints: new Map() } };
  const bodies = new Map(parts.map((p) => [p.key, p.body]));
  const { runCount, ...rest } = parsed;
  const runs: TaskRun[] = [];
  for (let chunk = 0; chunk * RUNS_PER_PART < runCount; chunk++) {
    for (const stored of JSON.parse(bodies.get(`runs:${chunk}`) ?? missing(`runs:${chunk}`)) as StoredRun[]) {
      runs.push({ ...stored, items: stored.items ? decodeItems(stored.id, stored.items, bodies) : null });
    }
  }
  const root = JSON.parse(bodies.get('root') ?? missing('root')) as Record<string, unknown>;
  const state: WorkflowState = { ...rest, root, runs };
  const fingerprints = new Map(partsOf(state).map((p) => [p.key, p.fingerprint] as const));
  return { state, saved: { header: headerOf(state), fingerprints } };
}

/** A workflow's graph and state as last committed (for views and reports), or undefined. */
export async function readWorkflow(tx: Tx, executionId: string): Promise<{ graph: Graph; state: WorkflowState } | undefined> {
  const row = await readWorkflowState(tx, executionId);
  if (!row) return undefined;
  const { state } = decodeState(row.state, await readStateParts(tx, executionId));
  return { graph: JSON.parse(row.graph) as Graph, state };
}
