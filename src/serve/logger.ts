/**
 * Structured JSON logs (pino), one object per line on stdout, with secrets kept out: fields that hold credentials
 * are censored by path, and every string logged is scrubbed of the configured secrets' values and of any
 * `user:password@` in a URL, wherever it appears (an error message quoting a remote URL, a header echoed back).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field paths whose values are never logged. */
export const REDACTED_PATHS = [
  'token',
  'secret',
  'password',
  'authorization',
  'auth',
  '*.token',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.authorization',
  '*.auth',
  'headers["x-gitlab-token"]',
  'headers["x-hub-signature-256"]',
  'headers["x-gitea-signature"]',
  '*.headers.authorization',
  '*.headers["x-gitlab-token"]',
];

export interface LoggerOptions {
  /** pino level: trace, debug, info, warn, error, fatal, silent. Default info. */
  level?: string | undefined;
  /** Where lines go. Default stdout. */
  destination?: DestinationStream | undefined;
  /** The current secret values (read at each log call, so rotated secrets are covered). */
  secrets?: (() => readonly string[]) | undefined;
}

/** A logger for the service. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? (() => []);
  const scrub = (value: unknown): unknown => scrubValue(value, secrets(), 0);
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'edgeplane' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (object) => scrub(object) as Record<string, unknown> },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: (error: unknown) => scrub(serializeError(error)) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    // Synchronous: a service logs little, and the last lines before a crash are the ones that matter.
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Replaces secrets and URL credentials in strings, recursively (bounded depth). */
export function scrubValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  // Errors keep their message and stack (not enumerable, so a plain copy would lose them).
  if (value instanceof Error) return scrubValue(serializeError(value), secrets, depth);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = scrubValue(v, secrets, depth + 1);
  return out;
}

export function scrubText(text: string, secrets: readonly string[]): string {
  let result = text.replace(/(\/\/)[^/@\s]*:[^/@\s]*@/g, '$1***@');
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('***');
  return result;
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error !== null && typeof error === 'object' ? error : { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  };
}
