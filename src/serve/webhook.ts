/**
 * Forge push webhooks: who sent it (GitHub, Gitea/Forgejo, GitLab), whether it is authentic, and whether it is a
 * push that should reconcile. Pure functions over headers and the raw body; the HTTP layer only maps the verdict
 * to a status code.
 *
 * Authenticity, checked on the raw bytes before anything is parsed:
 * - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`;
 * - Gitea / Forgejo: `X-Gitea-Signature` / `X-Forgejo-Signature: <hex HMAC-SHA256>` (or GitHub's header, which
 *   newer Gitea also sends);
 * - GitLab: `X-Gitlab-Token: <the secret itself>`, compared in constant time.
 * Several secrets may be configured at once (one per line of the secret file), so a secret can be rotated without
 * dropping webhooks: any of them is accepted.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type Forge = 'github' | 'gitea' | 'gitlab';

/** A push, normalized across forges. */
export interface PushEvent {
  /** The full ref pushed, e.g. `refs/heads/main`. */
  ref: string;
  /** The new commit; absent when the forge did not say. */
  after?: string | undefined;
  /** The push deleted the ref. */
  deleted: boolean;
  /** Names and URLs the payload gives for the repository (full name, clone and web URLs), for matching. */
  repository: string[];
}

/** What a webhook request is. */
export type WebhookVerdict =
  | { ok: false; status: 400 | 401; reason: string }
  | { ok: true; forge: Forge; event: string; delivery?: string | undefined; push?: PushEvent | undefined };

/**
 * Checks the signature (or token) of a webhook and, when it is authentic, parses it. Any request that is not
 * provably from a forge knowing one of `secrets` is a 401, including every request when no secret is configured.
 */
export function readWebhook(headers: IncomingHttpHeaders, body: Buffer, secrets: readonly string[]): WebhookVerdict {
  const forge = forgeOf(headers);
  if (!forge) return { ok: false, status: 401, reason: 'not a GitHub, Gitea, Forgejo or GitLab webhook (no event header)' };
  const usable = secrets.filter((s) => s.length > 0);
  if (usable.length === 0) return { ok: false, status: 401, reason: 'webhooks are disabled: no webhook secret is configured' };
  const failure = authenticate(forge, headers, body, usable);
  if (failure) return { ok: false, status: 401, reason: failure };

  let payload: Record<string, unknown>;
  try {
    payload = parsePayload(headers, body);
  } catch (error) {
    return { ok: false, status: 400, reason: `unreadable payload: ${(error as Error).message}` };
  }
  const event = eventOf(forge, headers, payload);
  const delivery = header(headers, 'x-github-delivery') ?? header(headers, 'x-gitea-delivery') ?? header(headers, 'x-gitlab-event-uuid');
  return { ok: true, forge, event, delivery, push: event === 'push' ? pushOf(forge, payload) : undefined };
}

/** What a configured spec ref listens to: `main` → `refs/heads/main` and `refs/tags/main`; a full ref as it is. */
export function watchedRefs(ref: string): string[] {
  return ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
}

/** Whether a push should reconcile, and why not when it should not. */
export function shouldReconcile(
  push: PushEvent,
  watch: { refs: readonly string[]; repositories?: readonly string[] | undefined },
): { reconcile: boolean; reason: string } {
  if (!watch.refs.includes(push.ref)) return { reconcile: false, reason: `${push.ref} is not the spec ref (${watch.refs.join(', ')})` };
  if (push.deleted) return { reconcile: false, reason: `${push.ref} was deleted` };
  const wanted = watch.repositories ?? [];
  if (wanted.length > 0 && !wanted.some((w) => push.repository.some((r) => sameRepository(w, r)))) {
    return { reconcile: false, reason: `repository ${push.repository[0] ?? '(unnamed)'} is not one of ${wanted.join(', ')}` };
  }
  return { reconcile: true, reason: `push to ${push.ref}${push.after ? ` (${push.after.slice(0, 12)})` : ''}` };
}

/** `https://user@Git.Example.org/Org/Fleet.git/` and `org/fleet` name the same repository. */
export function sameRepository(a: string, b: string): boolean {
  const x = normalizeRepository(a);
  const y = normalizeRepository(b);
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

function normalizeRepository(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/^[a-z+]+:\/\//, '')
    .replace(/^[^@/]*@/, '')
    .replace(/^([^/:]+):(?!\d)/, '$1/')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

function forgeOf(headers: IncomingHttpHeaders): Forge | undefined {
  // Gitea and Forgejo also send X-GitHub-Event for compatibility, so they are recognized first.
  if (header(headers, 'x-gitea-event') !== undefined || header(headers, 'x-forgejo-event') !== undefined) return 'gitea';
  if (header(headers, 'x-gitlab-event') !== undefined) return 'gitlab';
  if (header(headers, 'x-github-event') !== undefined) return 'github';
  return undefined;
}

/** Undefined when authentic; else why not. */
function authenticate(forge: Forge, headers: IncomingHttpHeaders, body: Buffer, secrets: readonly string[]): string | undefined {
  if (forge === 'gitlab') {
    const token = header(headers, 'x-gitlab-token');
    if (token === undefined) return 'missing X-Gitlab-Token';
    return secrets.some((secret) => sameSecret(token, secret)) ? undefined : 'X-Gitlab-Token does not match';
  }
  const hub = header(headers, 'x-hub-signature-256');
  const giteaSignature = forge === 'gitea' ? (header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature')) : undefined;
  if (giteaSignature !== undefined) {
    return secrets.some((secret) => sameHex(giteaSignature, hmacHex(secret, body))) ? undefined : 'X-Gitea-Signature does not match';
  }
  if (hub === undefined) return forge === 'github' ? 'missing X-Hub-Signature-256' : 'missing X-Gitea-Signature';
  if (!hub.startsWith('sha256=')) return 'X-Hub-Signature-256 is not sha256=<hex>';
  const given = hub.slice('sha256='.length);
  return secrets.some((secret) => sameHex(given, hmacHex(secret, body))) ? undefined : 'X-Hub-Signature-256 does not match';
}

/** The hex HMAC-SHA256 of `body` under `secret`: what GitHub and Gitea sign with. */
export function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function sameHex(given: string, expected: string): boolean {
  const a = Buffer.from(given.trim().toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}

function parsePayload(headers: IncomingHttpHeaders, body: Buffer): Record<string, unknown> {
  const type = (header(headers, 'content-type') ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  let text = body.toString('utf8');
  // GitHub's "application/x-www-form-urlencoded" content type sends the JSON as a `payload` form field.
  if (type === 'application/x-www-form-urlencoded') {
    const field = new URLSearchParams(text).get('payload');
    if (field === null) throw new Error('form body without a payload field');
    text = field;
  }
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the payload is not a JSON object');
  return parsed as Record<string, unknown>;
}

function eventOf(forge: Forge, headers: IncomingHttpHeaders, payload: Record<string, unknown>): string {
  if (forge === 'github') return header(headers, 'x-github-event')!;
  if (forge === 'gitea') return header(headers, 'x-gitea-event') ?? header(headers, 'x-forgejo-event')!;
  // GitLab: "Push Hook", "Tag Push Hook", or a "System Hook" whose body says what happened.
  const named = header(headers, 'x-gitlab-event')!;
  const kind = str(payload['object_kind']) ?? str(payload['event_name']) ?? (named === 'Push Hook' || named === 'Tag Push Hook' ? 'push' : named);
  return kind === 'push' || kind === 'tag_push' ? 'push' : kind;
}

function pushOf(forge: Forge, payload: Record<string, unknown>): PushEvent | undefined {
  const ref = str(payload['ref']);
  if (!ref) return undefined;
  const after = str(payload['after']);
  const deleted = payload['deleted'] === true || (after !== undefined && /^0+$/.test(after));
  const repository: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string' && value !== '') repository.push(value);
  };
  const repo = record(payload['repository']);
  if (forge === 'gitlab') {
    const project = record(payload['project']);
    for (const key of ['path_with_namespace', 'git_http_url', 'web_url', 'git_ssh_url']) add(project[key]);
    for (const key of ['git_http_url', 'homepage', 'url']) add(repo[key]);
  } else {
    for (const key of ['full_name', 'clone_url', 'html_url', 'ssh_url']) add(repo[key]);
  }
  return { ref: ref.startsWith('refs/') ? ref : `refs/heads/${ref}`, after, deleted, repository };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}
