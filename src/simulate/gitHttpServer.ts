/**
 * A real Git smart-HTTP server, part of edgeplane's simulated environment (tests and `edgeplane demo
 * groundstations`): Node's `http` in front of `git http-backend` (CGI), serving the bare repositories under one
 * folder on 127.0.0.1 at an ephemeral port.
 *
 * Pushes (receive-pack) always need HTTP Basic auth with a configured account; reads are anonymous unless
 * `requireAuthForRead`. Each account's traffic is counted, and each account can be given a link (latency, a
 * bandwidth cap, or down altogether), so a simulation can put every edge behind its own network. Request bodies go to http-backend untouched: it inflates gzip'd bodies itself
 * (git gzips larger upload-pack requests) from the Content-Encoding header passed as HTTP_CONTENT_ENCODING,
 * and reads chunked bodies to EOF when there is no CONTENT_LENGTH.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** How to start a server. */
export interface GitHttpServerOptions {
  /** Folder holding the bare repositories; `url('a.git')` serves `<root>/a.git`. */
  root: string;
  /** Basic-auth user name accepted for pushes (and reads when `requireAuthForRead`). */
  user: string;
  /** Basic-auth password (a token) that goes with `user`. */
  token: string;
  /** More accounts (user name → token) that may push and read, e.g. one per simulated edge. */
  accounts?: Record<string, string>;
  /** Refuse anonymous clones and fetches too. Default false: reads are anonymous. */
  requireAuthForRead?: boolean;
  /**
   * The network between the server and an account (undefined: anonymous), asked at every request: down
   * (the connection is reset before anything is answered), latency before the answer starts, response bytes
   * per second. Undefined or `{}`: loopback as is.
   */
  link?: (user: string | undefined) => LinkConditions | undefined;
}

/** The state of one account's link at the moment of a request. */
export interface LinkConditions {
  down?: boolean;
  latencyMs?: number;
  bytesPerSecond?: number;
}

/** What went over the wire for one account (or anonymous). */
export interface AccountTraffic {
  requests: number;
  /** Requests refused because the link was down. */
  refused: number;
  /** Response body bytes sent: what a fetch downloads. */
  bytesSent: number;
  /** Request body bytes received: what a push uploads. */
  bytesReceived: number;
}

/** A running server. */
export interface GitHttpServer {
  /** Anonymous URL of a repository under `root`, e.g. `http://127.0.0.1:41234/spec.git`. */
  url(repo: string): string;
  /** The same URL with `user:token@` in it, for pushes. */
  authUrl(repo: string): string;
  /** How many HTTP requests the server has answered so far (any status). */
  readonly requests: number;
  /** How many request bodies arrived gzip-encoded, so tests can show that path was exercised. */
  readonly gzipRequests: number;
  /** Traffic of one account so far (`undefined`: anonymous requests); zeros when it made none. */
  traffic(user: string | undefined): AccountTraffic;
  /** Stops listening, drops open connections and ends running backends. */
  close(): Promise<void>;
}

/** Starts a server; resolves once it listens. */
export async function startGitServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const backend = await httpBackendPath();
  const root = resolve(options.root);
  const accounts = new Map(Object.entries({ ...options.accounts, [options.user]: options.token }));
  const children = new Set<ChildProcess>();
  const traffic = new Map<string | undefined, AccountTraffic>();
  const trafficOf = (user: string | undefined): AccountTraffic => {
    let counted = traffic.get(user);
    if (!counted) traffic.set(user, (counted = { requests: 0, refused: 0, bytesSent: 0, bytesReceived: 0 }));
    return counted;
  };
  let requests = 0;
  let gzipRequests = 0;

  const server = createServer((req, res) => {
    requests++;
    if (/^(x-)?gzip$/i.test(req.headers['content-encoding'] ?? '')) gzipRequests++;
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git server: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodedPath(url.pathname);
    if (path === undefined || path.split('/').some((segment) => segment === '..') || path.includes('\0')) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad path\n');
      return;
    }
    const isPush =
      path.endsWith('/git-receive-pack') ||
      (path.endsWith('/info/refs') && url.searchParams.get('service') === 'git-receive-pack');
    const user = authenticatedUser(req.headers.authorization, accounts);
    const counted = trafficOf(user);
    counted.requests++;
    const link = options.link?.(user) ?? {};
    if (link.down) {
      counted.refused++;
      req.socket.destroy();
      return;
    }
    if (link.latencyMs) await delay(link.latencyMs);
    if ((isPush || options.requireAuthForRead) && user === undefined) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="edgeplane simulated git"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      req.resume();
      return;
    }

    const child = spawn(backend, [], {
      env: cgiEnvironment(req, { root, path, query: url.search.slice(1), user }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    child.on('close', () => children.delete(child));
    res.on('close', () => {
      if (child.exitCode === null) child.kill();
    });

    // The body goes in as sent; a backend that stops reading early (an error answer) must not crash us.
    req.on('data', (chunk: Buffer) => (counted.bytesReceived += chunk.length));
    pipeline(req, child.stdin).catch(() => undefined);

    const head = await readCgiHead(child.stdout);
    if (!head) {
      await exited;
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`git http-backend gave no response: ${Buffer.concat(stderr).toString().trim()}\n`);
      return;
    }
    res.writeHead(head.status, head.reason, head.headers);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        counted.bytesSent += chunk.length;
        done(null, chunk);
      },
    });
    await (link.bytesPerSecond ? pipeline(child.stdout, counter, throttle(link.bytesPerSecond), res) : pipeline(child.stdout, counter, res));
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  const base = `127.0.0.1:${port}`;
  const credentials = `${encodeURIComponent(options.user)}:${encodeURIComponent(options.token)}`;

  return {
    url: (repo) => `http://${base}/${repo}`,
    authUrl: (repo) => `http://${credentials}@${base}/${repo}`,
    get requests() {
      return requests;
    },
    get gzipRequests() {
      return gzipRequests;
    },
    traffic: (user) => ({ ...trafficOf(user) }),
    close: async () => {
      for (const child of children) child.kill();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Creates `<root>/<name>` as an empty bare repository whose HEAD is `main`; returns its path. */
export async function createBareRepo(root: string, name: string): Promise<string> {
  const path = join(root, name);
  await mkdir(path, { recursive: true });
  await execFileAsync('git', ['init', '--quiet', '--bare', '--initial-branch=main', path]);
  return path;
}

let backendPath: Promise<string> | undefined;

/** `git-http-backend` lives in git's exec path (usually /usr/lib/git-core), not on PATH. */
function httpBackendPath(): Promise<string> {
  backendPath ??= execFileAsync('git', ['--exec-path']).then(({ stdout }) => join(stdout.trim(), 'git-http-backend'));
  return backendPath;
}

/** The URL path with %-escapes decoded, or undefined when an escape is malformed. */
function decodedPath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

/** The account whose Basic credentials `header` carries, or undefined (none, or a wrong token). */
function authenticatedUser(header: string | undefined, accounts: ReadonlyMap<string, string>): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const user = decoded.slice(0, Math.max(0, decoded.indexOf(':')));
  const token = accounts.get(user);
  if (token === undefined) return undefined;
  const given = Buffer.from(decoded);
  const expected = Buffer.from(`${user}:${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected) ? user : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Passes bytes on no faster than `bytesPerSecond`, in slices of at most a tenth of a second's worth. */
function throttle(bytesPerSecond: number): Transform {
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      void (async () => {
        for (let offset = 0; offset < chunk.length; offset += slice) {
          const part = chunk.subarray(offset, offset + slice);
          await delay((part.length / bytesPerSecond) * 1000);
          this.push(part);
        }
        done();
      })();
    },
  });
}

/** Already in CONTENT_TYPE / CONTENT_LENGTH, or not for the backend to see (credentials; Proxy is the httpoxy hole). */
const EXCLUDED_HEADERS = new Set(['authorization', 'proxy', 'content-type', 'content-length']);

interface CgiRequest {
  root: string;
  path: string;
  query: string;
  /** Set when the request authenticated; http-backend records it as the pusher. */
  user: string | undefined;
}

/**
 * The CGI/1.1 environment for one request. It starts from nothing but PATH so the test process's GIT_DIR,
 * GIT_* overrides and the machine's git config cannot leak into the server.
 */
function cgiEnvironment(req: IncomingMessage, cgi: CgiRequest): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // Pushes are gated by this server's auth check above, so the backend may always accept them.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GIT_PROJECT_ROOT: cgi.root,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'edgeplane-simulated-git-server',
    SERVER_NAME: '127.0.0.1',
    SERVER_PORT: String(req.socket.localPort ?? ''),
    REQUEST_METHOD: req.method ?? 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: cgi.path,
    QUERY_STRING: cgi.query,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  if (cgi.user !== undefined) {
    env.REMOTE_USER = cgi.user;
    env.AUTH_TYPE = 'Basic';
  }
  if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type'];
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || EXCLUDED_HEADERS.has(name)) continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  return env;
}

interface CgiHead {
  status: number;
  reason: string | undefined;
  headers: Record<string, string | string[]>;
}

/**
 * Reads a CGI response's header block (up to the first blank line, `\r\n` or `\n` endings) and pushes the body
 * bytes after it back into `stdout`. Resolves undefined when the backend ends without a complete header.
 */
function readCgiHead(stdout: Readable): Promise<CgiHead | undefined> {
  return new Promise((done, fail) => {
    let buffered = Buffer.alloc(0);
    const finish = (head: CgiHead | undefined): void => {
      stdout.off('readable', onReadable);
      stdout.off('end', onEnd);
      stdout.off('error', fail);
      done(head);
    };
    const onEnd = (): void => finish(undefined);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = stdout.read() as Buffer | null) !== null) {
        buffered = Buffer.concat([buffered, chunk]);
        const end = headerEnd(buffered);
        if (end) {
          stdout.unshift(buffered.subarray(end.bodyStart));
          finish(parseCgiHead(buffered.subarray(0, end.headerLength).toString('latin1')));
          return;
        }
      }
    };
    stdout.on('readable', onReadable);
    stdout.on('end', onEnd);
    stdout.on('error', fail);
  });
}

function headerEnd(bytes: Buffer): { headerLength: number; bodyStart: number } | undefined {
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerLength: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerLength: lf, bodyStart: lf + 2 };
  return undefined;
}

/** `Status: 404 Not Found` sets the HTTP status; every other line is a response header. */
function parseCgiHead(text: string): CgiHead {
  const head: CgiHead = { status: 200, reason: undefined, headers: {} };
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        head.status = Number(match[1]);
        head.reason = match[2] || undefined;
      }
    } else {
      const previous = head.headers[name];
      head.headers[name] = previous === undefined ? value : [previous, value].flat();
    }
  }
  return head;
}
