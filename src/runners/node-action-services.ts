// What an action written as code (node and python-script runners) may ask of Squall while it
// runs: datastore get/set/list/delete. The worker process talks JSON lines over a Unix socket
// in a private directory (mode 0700), one per runner; each request carries the execution's
// random token (given to the worker on stdin, never in argv), which selects the execution
// whose rights and secrets apply. A connection serves one token; it ends with the execution.
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
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
  token?: string;
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

interface Grant {
  ctx: RunContext;
  services: ActionServices;
  user: string;
  conns: Set<Socket>;
}

function serveConnection(sock: Socket, grants: Map<string, Grant>): void {
  let buf = '';
  let grant: Grant | undefined;
  sock.setEncoding('utf8');
  sock.on('error', () => sock.destroy());
  sock.on('close', () => grant?.conns.delete(sock));
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
      const g = grants.get(String(req.token));
      // An unknown token, or another execution's on the same connection: nothing is served.
      if (!g || (grant && grant !== g)) {
        sock.destroy();
        return;
      }
      if (!grant) {
        grant = g;
        g.conns.add(sock);
      }
      const answer = g.services.datastore
        ? handle(g.ctx, g.services.datastore, g.user, req)
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
  /** The execution's secret: every request carries it. */
  token: string;
  /** Ends the execution's access (its connections are closed). */
  close(): void;
}

/** One runner's socket: `open` grants an execution access for as long as it runs. */
export interface ActionSockets {
  open(ctx: RunContext, services: ActionServices, user: string): Promise<ActionSocket>;
  close(): Promise<void>;
}

export function actionSockets(): ActionSockets {
  const grants = new Map<string, Grant>();
  let listening: Promise<{ file: string; dir: string; server: Server }> | undefined;
  const listen = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'squall-act-'));
    const file = path.join(dir, 's');
    const server = createServer((sock) => serveConnection(sock, grants));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, resolve);
    });
    server.unref();
    return { file, dir, server };
  };
  return {
    async open(ctx, services, user) {
      const { file } = await (listening ??= listen());
      const token = randomBytes(24).toString('hex');
      const grant: Grant = { ctx, services, user, conns: new Set() };
      grants.set(token, grant);
      return {
        path: file,
        token,
        close() {
          grants.delete(token);
          for (const c of grant.conns) c.destroy();
        },
      };
    },
    async close() {
      if (!listening) return;
      const { server, dir } = await listening;
      listening = undefined;
      for (const g of grants.values()) for (const c of g.conns) c.destroy();
      grants.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
