// core.st2.generic.actiontrigger for every finished execution, and
// core.st2.generic.notifytrigger for each route of the action's `notify`
// (on-complete always, on-success / on-failure by outcome), dispatched in the
// transaction that ends the execution, as st2's notifier does.
//
// The payload carries the parameters masked as the API shows them, so no secret is stored in
// a trigger instance (which every rule author and trigger reader sees). st2 masks the
// `secret: true` parameters there too (notifier.py: liveaction_db.get_masked_parameters());
// Squall also masks datastore secrets rendered into other parameters, and renders notify
// message/data over the masked parameters, where st2 uses the raw ones.
import { renderValue } from '../expr/index.js';
import type { Execution } from '../executions/model.js';
import { maskExecutionsIn, type MaskDeps } from '../executions/masking.js';
import type { Tx } from '../store/types.js';
import { ACTION_TRIGGER_TYPE, NOTIFY_TRIGGER_TYPE } from './builtin-types.js';
import { dispatchTriggerInstance } from './dispatch.js';
import type { EventDeps } from './triggers.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// A result larger than this (in JSON characters, about) stays out of the action trigger's
// payload: st2 copies it whole, so a 10 MB result was stored, and read by the rules engine,
// twice more. The payload then says `result_omitted: true`; the execution keeps the result.
export const MAX_TRIGGER_RESULT_CHARS = 256 * 1024;

/** Whether `value` serializes to at most `limit` characters (roughly; stops counting early). */
function smallerThan(value: unknown, limit: number): boolean {
  let left = limit;
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') left -= v.length + 2;
    else if (v === null || typeof v !== 'object') left -= 8;
    else if (Array.isArray(v)) {
      for (const x of v) if (!walk(x)) return false;
    } else {
      for (const [k, x] of Object.entries(v)) {
        left -= k.length + 4;
        if (!walk(x)) return false;
      }
    }
    return left >= 0;
  };
  return walk(value);
}

interface NotifySpec {
  message?: unknown;
  data?: unknown;
  routes?: unknown;
  channels?: unknown;
}

function notifySections(status: string, notify: Record<string, NotifySpec>): NotifySpec[] {
  const out: NotifySpec[] = [];
  if (notify['on-complete']) out.push(notify['on-complete']);
  if (status === 'succeeded' && notify['on-success']) out.push(notify['on-success']);
  if (status !== 'succeeded' && notify['on-failure']) out.push(notify['on-failure']);
  return out;
}

// st2 renders notify message/data with the execution's parameters and result; a template
// that fails to render is sent as written rather than losing the notification.
function rendered(value: unknown, e: Execution): unknown {
  try {
    return renderValue(value, { action_parameters: e.parameters, action_results: e.result, execution_id: e.id });
  } catch {
    return value;
  }
}

/** The onFinished hook: dispatches the action-trigger and the notify-triggers of the `finished` execution. */
export function actionTriggerHook(events: EventDeps, executions: MaskDeps) {
  return async (tx: Tx, finished: Execution): Promise<void> => {
    const e = (await maskExecutionsIn(tx, executions, [finished]))[0]!;
    const actionName = e.action.slice(e.action.indexOf('.') + 1);
    await dispatchTriggerInstance(tx, events, {
      trigger: ACTION_TRIGGER_TYPE,
      payload: {
        execution_id: e.id, status: e.status, start_timestamp: iso(e.start_timestamp), action_name: actionName,
        action_ref: e.action, runner_ref: e.runner_type, parameters: e.parameters,
        ...(smallerThan(e.result, MAX_TRIGGER_RESULT_CHARS) ? { result: e.result } : { result: null, result_omitted: true }),
      },
    });
    const action = await executions.findAction(tx, e.action).catch(() => null);
    const notify = action?.metadata.notify as Record<string, NotifySpec> | undefined;
    if (!notify || typeof notify !== 'object') return;
    for (const section of notifySections(e.status, notify)) {
      const routes = Array.isArray(section.routes) ? section.routes : Array.isArray(section.channels) ? section.channels : [];
      for (const route of routes.map(String)) {
        await dispatchTriggerInstance(tx, events, {
          trigger: NOTIFY_TRIGGER_TYPE,
          payload: {
            execution_id: e.id, status: e.status, start_timestamp: iso(e.start_timestamp), end_timestamp: iso(e.end_timestamp),
            action_ref: e.action, runner_ref: e.runner_type, channel: route, route,
            message: rendered(section.message ?? null, e), data: rendered(section.data ?? {}, e),
          },
        });
      }
    }
  };
}
