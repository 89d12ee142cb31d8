// What every message-bus source shares: turning a broker message into a trigger instance,
// committed in batches, and told to the source only after the commit (so it acks then).
import { SquallError } from '../errors.js';
import { dispatchTriggerInstance, type EventDeps } from '../events/index.js';
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';

/** One broker message as a trigger instance-to-be. */
export interface BusMessage {
  payload: Record<string, unknown>;
  /** The broker's id for the message (dedupe key), when it has a stable one. */
  deliveryId: string | null;
}

/** What a running source reports: a clean stop resolves null, a failure its error text. */
export interface RunningSource {
  stop(): Promise<void>;
  done: Promise<string | null>;
}

export interface SourceContext {
  ref: string;
  node: string;
  log: Logger;
  /** Stores the messages as trigger instances in one transaction; resolves after the commit. */
  commit(messages: readonly BusMessage[]): Promise<void>;
}

/** JSON when the body parses as JSON, else the text (st2 sensors pass text on). */
export function parseBody(body: Buffer | Uint8Array | string): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A commit function for `trigger`: each message becomes one trigger instance. A payload
 * that does not fit the trigger type is logged and dropped (acked) rather than redelivered
 * forever; any other failure rolls the batch back and the source acks nothing.
 */
export function committer(store: Store, events: EventDeps, trigger: string, ref: string, log: Logger): (messages: readonly BusMessage[]) => Promise<void> {
  return (messages) => store.tx(async (tx) => {
    for (const m of messages) {
      try {
        await dispatchTriggerInstance(tx, events, { trigger, payload: m.payload, deliveryId: m.deliveryId, traceTag: ref });
      } catch (err) {
        if (!(err instanceof SquallError) || err.code !== 'TRIGGER_PAYLOAD_INVALID') throw err;
        log.warn({ err: err.message, deliveryId: m.deliveryId }, 'message dropped: payload does not fit the trigger type');
      }
    }
  });
}

/** A promise with its resolve function, for a source's `done`. */
export function doneSignal(): { done: Promise<string | null>; finish: (error: string | null) => void } {
  let finish!: (error: string | null) => void;
  let finished = false;
  const done = new Promise<string | null>((r) => {
    finish = (e) => {
      if (finished) return;
      finished = true;
      r(e);
    };
  });
  return { done, finish };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
