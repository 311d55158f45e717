/**
 * The service's HTTP endpoints, a thin router over node:http: it reads bodies (bounded), maps routes to handlers
 * and handler results to responses, and sets headers that make the HTML page inert (a CSP without scripts).
 *
 *   GET  /healthz      the process answers
 *   GET  /readyz       it can accept webhooks (503 with the reason when not)
 *   GET  /metrics      Prometheus text format
 *   GET  /  /status    the status page; /status.json the same data as JSON
 *   POST /webhook      forge push webhooks (also /webhook/github, /webhook/gitea, /webhook/gitlab)
 *   POST /trigger      a manual reconcile, with `Authorization: Bearer <trigger token>`
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A handler's answer. */
export interface Reply {
  status: number;
  /** JSON-encoded unless a string. */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Handlers {
  healthz(): Reply;
  readyz(): Reply;
  metrics(): Promise<Reply>;
  statusPage(): Promise<Reply>;
  statusJson(): Promise<Reply>;
  webhook(headers: IncomingHttpHeaders, body: Buffer): Promise<Reply>;
  trigger(headers: IncomingHttpHeaders, body: Buffer): Reply;
  /** A handler threw: log it (the client gets a bare 500). */
  failed(error: unknown, route: string): void;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  handlers: Handlers;
  /** Largest request body accepted. Default 10 MiB (GitHub caps payloads at 25 MB, but push payloads are small). */
  maxBodyBytes?: number;
}

/** A listening server. */
export interface HttpServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Starts listening; resolves once bound. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const h = options.handlers;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    route_(req, res, url.pathname).catch((error: unknown) => {
      h.failed(error, route);
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal error' } });
      else res.destroy();
    });
  });

  async function route_(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    const get = method === 'GET' || method === 'HEAD';
    if (get && path === '/healthz') return send(res, h.healthz());
    if (get && path === '/readyz') return send(res, h.readyz());
    if (get && path === '/metrics') return send(res, await h.metrics());
    if (get && (path === '/' || path === '/status')) return send(res, await h.statusPage());
    if (get && path === '/status.json') return send(res, await h.statusJson());
    const isWebhook = path === '/webhook' || /^\/webhook\/(github|gitea|forgejo|gitlab)$/.test(path);
    if (isWebhook || path === '/trigger') {
      if (method !== 'POST') return send(res, { status: 405, body: { error: 'use POST' }, headers: { allow: 'POST' } });
      const body = await readBody(req, maxBody);
      if (body === undefined) return send(res, { status: 413, body: { error: `request body over ${maxBody} bytes` } });
      return send(res, isWebhook ? await h.webhook(req.headers, body) : h.trigger(req.headers, body));
    }
    if (!get && ['/healthz', '/readyz', '/metrics', '/', '/status', '/status.json'].includes(path)) {
      return send(res, { status: 405, body: { error: 'read-only' }, headers: { allow: 'GET, HEAD' } });
    }
    req.resume();
    return send(res, { status: 404, body: { error: 'not found' } });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
}

/** The body, or undefined when it exceeds `max` (the rest is discarded). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > max) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const text = typeof reply.body === 'string' ? reply.body : `${JSON.stringify(reply.body, null, 2)}\n`;
  const contentType = reply.contentType ?? (typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json');
  const headers: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...(contentType.startsWith('text/html') ? PAGE_HEADERS : { 'cache-control': 'no-store' }),
    ...reply.headers,
  };
  res.writeHead(reply.status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
