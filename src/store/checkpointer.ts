// Checkpoints of a busy embedded store, on a thread of their own. A checkpoint copies the
// WAL's pages into the database file; on the writer's thread every request waits for it
// (40-150 ms a second under sustained writes, more as the file grows). From another
// connection it runs beside the writer: PASSIVE never blocks it.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// CommonJS, evaluated in the worker; better-sqlite3 is resolved here and handed over.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
parentPort.on('message', (msg) => {
  if (msg === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage(true);
  } catch {
    parentPort.postMessage(false);
  }
});
`;

export interface Checkpointer {
  /** Starts a checkpoint unless one is running or the thread failed (false then); `done(ok)` once it has ended. */
  start(done: (ok: boolean) => void): boolean;
  close(): Promise<void>;
}

export function startCheckpointer(path: string): Checkpointer {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  // No flags of the process's own (--input-type=module would make this CommonJS source ESM).
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { path, sqlite } });
  // Never what keeps a process alive: the store's close() ends it.
  worker.unref();
  let running: ((ok: boolean) => void) | null = null;
  let failed = false;
  const settle = (ok: boolean) => {
    const done = running;
    running = null;
    done?.(ok);
  };
  worker.on('message', (ok: boolean) => settle(ok));
  // The thread could not open the file, say: its checkpoints fail, and the writer's own take over.
  worker.on('error', () => {
    failed = true;
    settle(false);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    start(done) {
      if (running || failed) return false;
      running = done;
      worker.postMessage('checkpoint');
      return true;
    },
    async close() {
      // Held until it has exited: an unref'd thread let a process with nothing else to do
      // end inside this await, before the code after close() ran.
      worker.ref();
      if (!failed) worker.postMessage('close');
      await exited;
    },
  };
}
