/**
 * The configuration of `edgeplane serve`: a YAML file (`kind: ServiceConfig`, every field optional), the
 * environment, and command-line flags, in rising precedence. Credentials are never in the file: it names files
 * (`secretFile`, `tokenFile`) and the environment may carry them (`$EDGEPLANE_WEBHOOK_SECRET`, …); an inline
 * credential field is refused with a hint. Every problem of the file is reported in one run, with file:line:col.
 * See docs/service.md for every field.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { validateDetailed } from 'node-cron';
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { formatProblems, ProblemList, type ProblemSink } from '../errors/problem.js';
import { parseYamlDocuments, type DocPath, type YamlDocument } from '../load/yamlDocuments.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './triggerQueue.js';

/** The configuration, every default applied. */
export interface ServeSettings {
  source: {
    /** A local path or an http(s) URL. */
    repo: string;
    /** The branch (or tag) reconciled; webhooks for other refs are ignored. Default `main`. */
    ref: string;
    cacheDir?: string | undefined;
  };
  /** Overrides of the spec's `edgeplane.yaml` output settings. */
  output: { repo?: string | undefined; mode?: 'branch' | 'folder' | undefined };
  listen: { host: string; port: number };
  /** node-cron expression of the fallback poll; undefined: no schedule. Default every 5 minutes. */
  schedule?: string | undefined;
  /** Quiet time before an idle queue starts a run. Default 0. */
  coalesceMs: number;
  backoff: BackoffPolicy;
  webhook: {
    /** Where the webhook secrets come from; read at each request, so a rotated secret file is picked up. */
    secrets: SecretSource;
    /** Accept pushes only for these repositories (full names or URLs); empty: any repository. */
    repositories: string[];
  };
  /** Bearer tokens of `POST /trigger`; none configured: the endpoint refuses every request. */
  triggerTokens: SecretSource;
  git: { tokenFile?: string | undefined; username?: string | undefined };
  sharding: ShardingSettings | undefined;
  /** Write the status summary (on the elected replica) after each reconcile. Default true. */
  writeStatus: boolean;
  /** Also build reports from a hub Argo CD's Applications. Default off. */
  argocd?: { namespace: string; kubeconfig?: string | undefined } | undefined;
  logLevel: string;
}

export interface ShardingSettings {
  shards: number;
  /** Lease name prefix; replicas with the same group share the fleet. */
  group: string;
  namespace: string;
  identity: string;
  leaseDurationMs: number;
  renewIntervalMs: number;
  retryPeriodMs: number;
  /** A kubeconfig file; default: in-cluster, else $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string | undefined;
}

/** Secret values, read when needed. */
export interface SecretSource {
  /** Where they come from, for messages (never the values). */
  describe: string;
  read(): string[];
}

/** What the command line gave (undefined: not given). */
export interface ServeFlags {
  config?: string | undefined;
  repo?: string | undefined;
  ref?: string | undefined;
  cacheDir?: string | undefined;
  tokenFile?: string | undefined;
  output?: string | undefined;
  mode?: 'branch' | 'folder' | undefined;
  host?: string | undefined;
  port?: number | undefined;
  schedule?: string | undefined;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * Reads the configuration: the file (when given), then the environment, then the flags. Throws
 * EdgeplaneError BAD_ARGUMENT listing every problem.
 */
export function loadServeSettings(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServeSettings {
  const problems = new ProblemList();
  const file = flags.config ?? env['EDGEPLANE_CONFIG'];
  const doc = file ? readConfigFile(file, problems) : undefined;
  const c = new ConfigReader(doc, file ?? '(config)', problems);
  c.checkKeys([], ['apiVersion', 'kind', 'spec']);
  if (doc && c.value(['kind']) !== undefined && c.value(['kind']) !== 'ServiceConfig') c.report(['kind'], 'kind must be ServiceConfig');
  c.checkKeys(['spec'], ['source', 'output', 'listen', 'schedule', 'coalesce', 'backoff', 'webhook', 'trigger', 'git', 'sharding', 'status', 'log']);
  c.checkKeys(['spec', 'source'], ['repo', 'ref', 'cacheDir']);
  c.checkKeys(['spec', 'output'], ['repo', 'mode']);
  c.checkKeys(['spec', 'listen'], ['host', 'port']);
  c.checkKeys(['spec', 'backoff'], ['initial', 'max']);
  c.checkKeys(['spec', 'webhook'], ['secretFile', 'repositories']);
  c.checkKeys(['spec', 'trigger'], ['tokenFile']);
  c.checkKeys(['spec', 'git'], ['tokenFile', 'username']);
  c.checkKeys(['spec', 'sharding'], ['enabled', 'shards', 'group', 'namespace', 'identity', 'leaseDuration', 'renewInterval', 'retryPeriod', 'kubeconfig']);
  c.checkKeys(['spec', 'status'], ['enabled', 'argocd']);
  c.checkKeys(['spec', 'status', 'argocd'], ['enabled', 'namespace', 'kubeconfig']);
  c.checkKeys(['spec', 'log'], ['level']);

  const repo = flags.repo ?? env['EDGEPLANE_REPO'] ?? c.string(['spec', 'source', 'repo']);
  if (!repo) problems.report({ code: 'schema', file: file ?? '(config)', line: 0, col: 0, message: 'no spec repo', hint: 'set spec.source.repo, $EDGEPLANE_REPO or --repo' });
  const mode = flags.mode ?? c.oneOf(['spec', 'output', 'mode'], ['branch', 'folder']);
  if (mode !== undefined && mode !== 'branch' && mode !== 'folder') {
    problems.report({ code: 'schema', file: '--mode', line: 0, col: 0, message: `--mode must be branch or folder, not ${JSON.stringify(mode)}` });
  }
  const scheduleText = flags.schedule ?? env['EDGEPLANE_SCHEDULE'] ?? c.string(['spec', 'schedule']) ?? '*/5 * * * *';
  const port = flags.port ?? intFromEnv(env, 'EDGEPLANE_PORT', problems) ?? c.integer(['spec', 'listen', 'port'], 0, 65535) ?? 8080;
  const webhookSecretFile = env['EDGEPLANE_WEBHOOK_SECRET_FILE'] ?? c.string(['spec', 'webhook', 'secretFile']);
  const triggerTokenFile = env['EDGEPLANE_TRIGGER_TOKEN_FILE'] ?? c.string(['spec', 'trigger', 'tokenFile']);
  const shardingEnabled = boolFromEnv(env, 'EDGEPLANE_SHARDING') ?? c.boolean(['spec', 'sharding', 'enabled']) ?? false;

  const settings: ServeSettings = {
    source: {
      repo: repo ?? '',
      ref: flags.ref ?? env['EDGEPLANE_REF'] ?? c.string(['spec', 'source', 'ref']) ?? 'main',
      cacheDir: flags.cacheDir ?? env['EDGEPLANE_CACHE_DIR'] ?? c.string(['spec', 'source', 'cacheDir']),
    },
    output: { repo: flags.output ?? c.string(['spec', 'output', 'repo']), mode: mode as 'branch' | 'folder' | undefined },
    listen: { host: flags.host ?? env['EDGEPLANE_HOST'] ?? c.string(['spec', 'listen', 'host']) ?? '127.0.0.1', port },
    schedule: scheduleText.trim() === '' || scheduleText === 'off' ? undefined : scheduleText.trim(),
    coalesceMs: c.duration(['spec', 'coalesce']) ?? 0,
    backoff: {
      ...DEFAULT_BACKOFF,
      initialMs: c.duration(['spec', 'backoff', 'initial']) ?? DEFAULT_BACKOFF.initialMs,
      maxMs: c.duration(['spec', 'backoff', 'max']) ?? DEFAULT_BACKOFF.maxMs,
    },
    webhook: {
      secrets: secretSource(webhookSecretFile, env['EDGEPLANE_WEBHOOK_SECRET'], '$EDGEPLANE_WEBHOOK_SECRET'),
      repositories: c.stringList(['spec', 'webhook', 'repositories']) ?? [],
    },
    triggerTokens: secretSource(triggerTokenFile, env['EDGEPLANE_TRIGGER_TOKEN'], '$EDGEPLANE_TRIGGER_TOKEN'),
    git: {
      tokenFile: flags.tokenFile ?? env['EDGEPLANE_GIT_TOKEN_FILE'] ?? c.string(['spec', 'git', 'tokenFile']),
      username: env['EDGEPLANE_GIT_USERNAME'] ?? c.string(['spec', 'git', 'username']),
    },
    sharding: shardingEnabled ? shardingSettings(c, env) : undefined,
    writeStatus: c.boolean(['spec', 'status', 'enabled']) ?? true,
    argocd: c.boolean(['spec', 'status', 'argocd', 'enabled'])
      ? { namespace: c.string(['spec', 'status', 'argocd', 'namespace']) ?? 'argocd', kubeconfig: c.string(['spec', 'status', 'argocd', 'kubeconfig']) }
      : undefined,
    logLevel: env['EDGEPLANE_LOG_LEVEL'] ?? c.oneOf(['spec', 'log', 'level'], ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) ?? 'info',
  };
  for (const [what, path] of [
    ['webhook secret file', webhookSecretFile],
    ['trigger token file', triggerTokenFile],
    ['Git token file', settings.git.tokenFile],
  ] as const) {
    if (path !== undefined && !fs.existsSync(path)) {
      problems.report({ code: 'credentials', file: file ?? '(config)', line: 0, col: 0, message: `the ${what} ${path} does not exist`, hint: 'mount the Secret there, or fix the path' });
    }
  }
  if (settings.schedule !== undefined) {
    const checked = validateDetailed(settings.schedule);
    if (!checked.valid) {
      const why = checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      c.report(['spec', 'schedule'], `${JSON.stringify(settings.schedule)} is not a cron expression (${why})`, 'five or six fields, e.g. "*/5 * * * *"; "off" disables the schedule');
    }
  }
  if (settings.sharding && settings.sharding.renewIntervalMs >= settings.sharding.leaseDurationMs) {
    c.report(['spec', 'sharding', 'renewInterval'], 'renewInterval must be shorter than leaseDuration');
  }
  if (!problems.empty) {
    throw new EdgeplaneError('BAD_ARGUMENT', `the service configuration has ${problems.problems.length} problem(s):\n${formatProblems(problems.problems)}`, {
      problems: problems.problems,
    });
  }
  return settings;
}

function shardingSettings(c: ConfigReader, env: NodeJS.ProcessEnv): ShardingSettings {
  const leaseDurationMs = c.duration(['spec', 'sharding', 'leaseDuration']) ?? 30_000;
  return {
    shards: c.integer(['spec', 'sharding', 'shards'], 1, 1024) ?? 16,
    group: c.string(['spec', 'sharding', 'group']) ?? 'edgeplane',
    namespace: env['POD_NAMESPACE'] ?? c.string(['spec', 'sharding', 'namespace']) ?? readServiceAccountNamespace() ?? 'default',
    identity: (env['POD_NAME'] ?? c.string(['spec', 'sharding', 'identity']) ?? os.hostname()).toLowerCase(),
    leaseDurationMs,
    renewIntervalMs: c.duration(['spec', 'sharding', 'renewInterval']) ?? Math.round(leaseDurationMs / 3),
    retryPeriodMs: c.duration(['spec', 'sharding', 'retryPeriod']) ?? 2_000,
    kubeconfig: c.string(['spec', 'sharding', 'kubeconfig']),
  };
}

/**
 * Secrets from a file (one per line: several lines allow rotation without dropping webhooks; re-read when the file
 * changes, as a mounted Kubernetes Secret does) or else from an environment variable.
 */
export function secretSource(file: string | undefined, envValue: string | undefined, envName: string): SecretSource {
  if (file !== undefined) {
    let cached: { key: string; values: string[] } | undefined;
    return {
      describe: file,
      read() {
        try {
          const stat = fs.statSync(file);
          const key = `${stat.mtimeMs}/${stat.size}/${stat.ino}`;
          if (cached?.key !== key) cached = { key, values: splitSecrets(fs.readFileSync(file, 'utf8')) };
          return cached.values;
        } catch {
          return [];
        }
      },
    };
  }
  const values = splitSecrets(envValue ?? '');
  return { describe: values.length > 0 ? envName : 'nothing', read: () => values };
}

function splitSecrets(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function readServiceAccountNamespace(): string | undefined {
  try {
    return fs.readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function readConfigFile(file: string, sink: ProblemSink): YamlDocument | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    sink.report({ code: 'repo', file, line: 0, col: 0, message: `cannot read the configuration: ${(error as Error).message}` });
    return undefined;
  }
  const docs = parseYamlDocuments(text, file, sink);
  if (docs.length > 1) sink.report({ code: 'schema', file, line: docs[1]!.source.line, col: 1, message: 'the configuration must be one YAML document' });
  return docs[0];
}

/** Duration: `500ms`, `90s`, `5m`, `1h30m`. */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, h, m, s, ms] = match;
  return Number(h ?? 0) * 3_600_000 + Number(m ?? 0) * 60_000 + Number(s ?? 0) * 1000 + Number(ms ?? 0);
}

/** CREDENTIAL_FIELDS: inline credentials people may try; each is refused with the way to do it instead. */
const CREDENTIAL_HINTS: Record<string, string> = {
  secret: 'credentials come only from files or the environment: use secretFile or $EDGEPLANE_WEBHOOK_SECRET',
  token: 'credentials come only from files or the environment: use tokenFile or $EDGEPLANE_GIT_TOKEN / $EDGEPLANE_TRIGGER_TOKEN',
  password: 'credentials come only from files or the environment: use tokenFile',
};

/** Typed reads of the config document, reporting problems with positions. */
class ConfigReader {
  constructor(
    readonly doc: YamlDocument | undefined,
    readonly file: string,
    readonly sink: ProblemSink,
  ) {}

  value(path: DocPath): unknown {
    let node: unknown = this.doc?.value;
    for (const key of path) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string | number, unknown>)[key];
    }
    return node;
  }

  report(path: DocPath, message: string, hint?: string): void {
    const at = this.doc?.at(path) ?? { line: 0, col: 0 };
    this.sink.report({ code: 'schema', file: this.file, line: at.line, col: at.col, message: `${path.join('.')}: ${message}`, ...(hint ? { hint } : {}) });
  }

  checkKeys(path: DocPath, known: readonly string[]): void {
    const node = this.value(path);
    if (node === undefined || node === null) return;
    if (typeof node !== 'object' || Array.isArray(node)) {
      this.report(path, 'must be a mapping');
      return;
    }
    for (const key of Object.keys(node)) {
      if (!known.includes(key)) this.report([...path, key], `unknown field '${key}'`, CREDENTIAL_HINTS[key] ?? `known fields: ${known.join(', ')}`);
    }
  }

  string(path: DocPath): string | undefined {
    const v = this.value(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.report(path, 'must be a string');
      return undefined;
    }
    return v;
  }

  oneOf(path: DocPath, values: readonly string[]): string | undefined {
    const v = this.string(path);
    if (v !== undefined && !values.includes(v)) {
      this.report(path, `must be one of ${values.join(', ')}`);
      return undefined;
    }
    return v;
  }

  stringList(path: DocPath): string[] | undefined {
    const v = this.value(path);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.report(path, 'must be a list of strings');
      return undefined;
    }
    return v as string[];
  }

  integer(path: DocPath, min: number, max: number): number | undefined {
    const v = this.value(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.report(path, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  boolean(path: DocPath): boolean | undefined {
    const v = this.value(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.report(path, 'must be true or false');
      return undefined;
    }
    return v;
  }

  duration(path: DocPath): number | undefined {
    const v = this.value(path);
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) this.report(path, 'must be a duration such as 500ms, 30s, 5m or 1h30m');
    return ms;
  }
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, sink: ProblemSink): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    sink.report({ code: 'schema', file: `$${name}`, line: 0, col: 0, message: `$${name} must be a port number, not ${JSON.stringify(text)}` });
    return undefined;
  }
  return value;
}

function boolFromEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  return /^(1|true|yes|on)$/i.test(text);
}
