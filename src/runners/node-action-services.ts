// What an action written as code (node and python-script runners) may ask of Squall while it
// runs: datastore get/set/list/delete. The child process talks JSON lines over a Unix socket
// in a private directory (mode 0700), one socket per execution, so it needs no API token.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deleteKey, getKey, listKeys, setKey, type DatastoreDeps, type KvScope } from '../datastore/index.js';
import { SquallError } from '../errors.js';
import type { RunContext } from './types.js';

/** The services code actions get; both optional so the runners work without a datastore. */
export interface ActionServices {
  datastore?: DatastoreDeps;
  /** The pack's config (st2kv templates resolved), `{}` when it has none. */
  packConfig?: (pack: string) => Promise<Record<string, unknown>>;
}

interface Request {
  id: number;
  op: 'get' | 'set' | 'list' | 'delete';
  name?: string;
  value?: unknown;
  scope?: string;
  decrypt?: boolean;
  secret?: boolean;
  ttl?: number | null;
  prefix?: string;
}

/** st2 calls the system scope "system" or "st2kv.system"; "user" is the user of the execution. */
function scopeOf(s: string | undefined): KvScope {
  return s === 'user' || s === 'st2kv.user' ? 'user' : 'system';
}

async function handle(ctx: RunContext, ds: DatastoreDeps, user: string, r: Request): Promise<unknown> {
  const scope = scopeOf(r.scope);
  const actor = { user: `action:${ctx.action.ref}` };
  switch (r.op) {
    case 'get': {
      try {
        const pair = await getKey(ds, { scope, user, name: String(r.name) }, { decrypt: r.decrypt === true });
        if (pair.secret && r.decrypt) ctx.addSecret?.(pair.value);
        return pair.value;
      } catch (err) {
        // st2's get_value answers None for a missing key.
        if (err instanceof SquallError && err.code === 'KEY_NOT_FOUND') return null;
        throw err;
      }
    }
    case 'set':
      if (r.secret) ctx.addSecret?.(r.value);
      await setKey(ds, { scope, user, name: String(r.name), value: r.value, secret: r.secret === true, ttl: r.ttl ?? null }, actor);
      return true;
    case 'list': {
      const list = await listKeys(ds, { scope, user, prefix: r.prefix, limit: 10_000, offset: 0, decrypt: r.decrypt === true });
      for (const k of list) if (k.secret && r.decrypt) ctx.addSecret?.(k.value);
      return list.map((k) => ({ name: k.name, value: k.value, secret: k.secret, scope: k.scope, expire_timestamp: k.expire_timestamp }));
    }
    case 'delete':
      try {
        await deleteKey(ds, { scope, user, name: String(r.name) }, actor);
        return true;
      } catch (err) {
        if (err instanceof SquallError && err.code === 'KEY_NOT_FOUND') return false;
        throw err;
      }
  }
}

function serveConnection(sock: Socket, ctx: RunContext, services: ActionServices, user: string): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: string) => {
    buf += chunk;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch {
        sock.destroy();
        return;
      }
      const answer = services.datastore
        ? handle(ctx, services.datastore, user, req)
        : Promise.reject(new Error('this node has no datastore'));
      answer.then(
        (value) => sock.write(`${JSON.stringify({ id: req.id, ok: true, value: value ?? null })}\n`),
        (err: Error) => sock.write(`${JSON.stringify({ id: req.id, ok: false, error: err.message })}\n`),
      );
    }
  });
}

export interface ActionSocket {
  path: string;
  close(): Promise<void>;
}

/** Opens the execution's socket; `close` removes it. `user` owns user-scope keys (the execution's user). */
export async function openActionSocket(ctx: RunContext, services: ActionServices, user: string): Promise<ActionSocket> {
  const dir = await mkdtemp(path.join(tmpdir(), 'squall-act-'));
  const file = path.join(dir, 's');
  const server = createServer((sock) => serveConnection(sock, ctx, services, user));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, resolve);
  });
  return {
    path: file,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
