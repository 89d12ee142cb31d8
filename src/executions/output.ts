// Buffers an execution's live output lines and writes them in small batches, so a chatty
// command costs one transaction per batch rather than one per line.
import type { Logger } from 'pino';
import { appendOutput, type OutputLine } from '../store/executions.js';
import type { OutputStream } from '../runners/types.js';
import type { ExecutionDeps } from './deps.js';
import { emitOutput } from './events.js';

const FLUSH_MS = 50;
const FLUSH_LINES = 500;

export interface OutputWriter {
  line(stream: OutputStream, data: string): void;
  /** Writes what is still buffered. */
  close(): Promise<void>;
}

export function createOutputWriter(deps: Pick<ExecutionDeps, 'store' | 'now'>, executionId: string, log: Logger): OutputWriter {
  let seq = 0;
  let buffer: OutputLine[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = buffer;
    buffer = [];
    if (batch.length === 0) return writing;
    writing = writing.then(() =>
      deps.store
        .tx(async (tx) => {
          await appendOutput(tx, executionId, batch);
          for (const l of batch) emitOutput(tx, { execution_id: executionId, seq: l.seq, stream: l.stream, data: l.data });
        })
        .catch((err: unknown) => log.error({ err }, 'writing execution output failed')),
    );
    return writing;
  };

  return {
    line(stream, data) {
      buffer.push({ seq: ++seq, stream, data, ts: deps.now() });
      if (buffer.length >= FLUSH_LINES) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    close: flush,
  };
}
