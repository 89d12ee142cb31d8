// A workflow's conductor state in the store, in parts: a small header, the initial context,
// task executions in groups of RUNS_PER_PART, and with-items values/results/marks in slices of
// ITEMS_PER_PART. Saving after an event writes only the parts whose content changed, so an
// event costs the same for the 10th and the 10,000th item instead of rewriting the whole state.
//
// What changed is found without serializing everything: each part has a fingerprint (the
// values and object references it is made of); the conductor replaces results and changes
// run fields by assignment (never deep inside a saved object), so an equal fingerprint means
// an equal part. An item's result is set only together with its mark (running → ended), so
// an item slice's marks stand for its results.
//
// Nor is everything fingerprinted at every event: a run that ended, and an item that ended,
// never change again, so a part made only of those is sealed once saved and skipped from
// then on. An event costs the same for the 10th and the 1,000th task of a sequence, and for
// the 10th and the 10,000th item. `latest` (task → its newest run) is rebuilt from the runs
// when read, so the header does not grow with the number of tasks.
import type { StatePart } from '../store/workflows.js';
import { readStateParts, readWorkflowState } from '../store/workflows.js';
import type { Tx } from '../store/types.js';
import type { Graph } from './graph.js';
import { isEndedRun, type ItemsState, type TaskRun, type WorkflowState } from './state.js';

const RUNS_PER_PART = 16;
const ITEMS_PER_PART = 128;

/** What was last saved or read, to tell which parts an event changed. */
export interface Saved {
  header: string;
  fingerprints: Map<string, readonly unknown[]>;
  /** Parts saved with content that can no longer change: not looked at again. */
  sealed: ReadonlySet<string>;
}

type StoredItems = Omit<ItemsState, 'values' | 'results' | 'marks'> & { count: number };
type StoredRun = Omit<TaskRun, 'items'> & { items: StoredItems | null };
type Header = Omit<WorkflowState, 'root' | 'runs' | 'latest'> & { runCount: number };
interface ItemSlice {
  values: unknown[];
  results: unknown[];
  marks: string;
}

interface PartSpec {
  key: string;
  fingerprint: unknown[];
  body: () => unknown;
  /** Made only of ended runs or items: once saved, it is sealed. */
  final: boolean;
}

// Marks of items still to run or running ('.', 'r', 'p'); the others ('s', 'f', 'c') are final.
const OPEN_MARK = /[.rp]/;

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

/** The parts of `state` not sealed, with their fingerprints and (lazily) their bodies. */
function partsOf(state: WorkflowState, sealed: ReadonlySet<string>): PartSpec[] {
  const parts: PartSpec[] = [{ key: 'root', fingerprint: [state.root], body: () => state.root, final: false }];
  for (let start = 0; start < state.runs.length; start += RUNS_PER_PART) {
    const key = `runs:${start / RUNS_PER_PART}`;
    if (sealed.has(key)) continue;
    const group = state.runs.slice(start, start + RUNS_PER_PART);
    const fingerprint: unknown[] = [group.length];
    for (const run of group) runFingerprint(run, fingerprint);
    // A group not yet full still gets the runs that start next.
    const final = group.length === RUNS_PER_PART && group.every(isEndedRun);
    parts.push({ key, fingerprint, body: () => group.map(storedRun), final });
  }
  for (const run of state.runs) {
    const items = run.items;
    if (!items) continue;
    const ended = isEndedRun(run);
    for (let start = 0; start < items.values.length; start += ITEMS_PER_PART) {
      const key = `items:${run.id}:${start / ITEMS_PER_PART}`;
      if (sealed.has(key)) continue;
      const end = start + ITEMS_PER_PART;
      const marks = items.marks.slice(start, end);
      const body = (): ItemSlice => ({ values: items.values.slice(start, end), results: items.results.slice(start, end), marks });
      parts.push({ key, fingerprint: [items.values, marks], body, final: ended || !OPEN_MARK.test(marks) });
    }
  }
  return parts;
}

function headerOf(state: WorkflowState): string {
  const { root: _root, runs, latest: _latest, ...rest } = state;
  const header: Header = { ...rest, runCount: runs.length };
  return JSON.stringify(header);
}

/** Task name → id of its newest run: runs are appended in start order. */
function latestOf(runs: readonly TaskRun[]): Record<string, number> {
  const latest: Record<string, number> = {};
  for (const run of runs) latest[run.task] = run.id;
  return latest;
}

/** Fingerprints of the parts and the parts sealed, as of a save (or a read) of `state`. */
function savedOf(header: string, parts: readonly PartSpec[], sealedBefore: ReadonlySet<string>): Saved {
  const fingerprints = new Map<string, readonly unknown[]>();
  const sealed = new Set(sealedBefore);
  for (const p of parts) {
    if (p.final) sealed.add(p.key);
    else fingerprints.set(p.key, p.fingerprint);
  }
  return { header, fingerprints, sealed };
}

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The header to write (null: unchanged) and the parts that changed since `saved` (everything when null). */
export function encodeState(state: WorkflowState, saved: Saved | null): { header: string | null; parts: StatePart[]; saved: Saved } {
  const header = headerOf(state);
  const sealed = saved?.sealed ?? new Set<string>();
  const specs = partsOf(state, sealed);
  const parts: StatePart[] = [];
  for (const p of specs) {
    if (!sameList(saved?.fingerprints.get(p.key), p.fingerprint)) parts.push({ key: p.key, body: JSON.stringify(p.body()) });
  }
  return { header: saved?.header === header ? null : header, parts, saved: savedOf(header, specs, sealed) };
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
  if ('runs' in parsed) return { state: parsed, saved: { header: '', fingerprints: new Map(), sealed: new Set() } };
  const bodies = new Map(parts.map((p) => [p.key, p.body]));
  const { runCount, ...rest } = parsed;
  const runs: TaskRun[] = [];
  for (let chunk = 0; chunk * RUNS_PER_PART < runCount; chunk++) {
    for (const stored of JSON.parse(bodies.get(`runs:${chunk}`) ?? missing(`runs:${chunk}`)) as StoredRun[]) {
      runs.push({ ...stored, items: stored.items ? decodeItems(stored.id, stored.items, bodies) : null });
    }
  }
  const root = JSON.parse(bodies.get('root') ?? missing('root')) as Record<string, unknown>;
  // A header saved before `latest` was left out still has it: the runs say the same.
  const state: WorkflowState = { ...rest, root, runs, latest: latestOf(runs) };
  const header = headerOf(state);
  return { state, saved: savedOf(header, partsOf(state, new Set()), new Set()) };
}

/** A workflow's graph and state as last committed (for views and reports), or undefined. */
export async function readWorkflow(tx: Tx, executionId: string): Promise<{ graph: Graph; state: WorkflowState } | undefined> {
  const row = await readWorkflowState(tx, executionId);
  if (!row) return undefined;
  const { state } = decodeState(row.state, await readStateParts(tx, executionId));
  return { graph: JSON.parse(row.graph) as Graph, state };
}
