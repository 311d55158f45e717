/**
 * Turns whatever an Octokit call threw into an `EdgeplaneError` a caller can branch on. The token is scrubbed from
 * every string that goes into the message or data, and the Octokit error is not kept as `cause`: its request
 * record holds headers and URLs we do not control the redaction of.
 */
import { EdgeplaneError } from '../errors/edgeplaneError.js';
import { scrub } from '../git/runGit.js';

/** What was being done, for the message. */
export interface ForgeCallContext {
  /** e.g. `opening a pull request from edgeplane/rollout/x into main`. */
  operation: string;
  /** `github octo/fleet at https://api.github.com`. */
  forge: string;
  /** Strings that must not appear in anything reported. */
  secrets: readonly string[];
  /** The pull request concerned, when there is one. */
  pullRequest?: number;
}

/** The parts of an Octokit `RequestError` (or a fetch failure) this mapping reads. */
interface HttpFailure {
  status?: unknown;
  message?: unknown;
  name?: unknown;
  response?: {
    headers?: Record<string, string | number | undefined>;
    data?: unknown;
  };
}

/** An `EdgeplaneError` for a failed forge call; see `Forge` for what each code means. */
export function forgeError(error: unknown, context: ForgeCallContext): EdgeplaneError {
  if (error instanceof EdgeplaneError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as HttpFailure;
  const clean = (text: string): string => scrub(text, context.secrets);
  const response = failure.response;
  const what = `${context.forge}: ${context.operation}`;
  const base = {
    forge: clean(context.forge),
    operation: clean(context.operation),
    ...(context.pullRequest === undefined ? {} : { pullRequest: context.pullRequest }),
  };

  if (response === undefined) {
    // No answer at all: refused connection, DNS, TLS, timeout. Octokit reports these as status 500.
    const reason = clean(String(failure.message ?? error));
    return new EdgeplaneError('GIT_FAILED', `${what} failed: no answer from the forge (${reason})`, {
      ...base,
      transient: true,
    });
  }

  const status = typeof failure.status === 'number' ? failure.status : 0;
  const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as {
    message?: unknown;
    documentation_url?: unknown;
    errors?: unknown;
  };
  const serverMessage = clean(typeof body.message === 'string' ? body.message : String(failure.message ?? ''));
  const details = validationDetails(body.errors).map(clean);
  const said = [serverMessage, ...details].filter((part) => part !== '').join('; ');
  const data = {
    ...base,
    status,
    ...(said === '' ? {} : { serverMessage: said }),
    ...(typeof body.documentation_url === 'string' ? { documentationUrl: clean(body.documentation_url) } : {}),
  };
  const header = (name: string): string | undefined => {
    const value = response.headers?.[name];
    return value === undefined ? undefined : String(value);
  };
  const retryAfter = Number(header('retry-after'));
  const rateLimited =
    status === 429 ||
    (status === 403 && (header('x-ratelimit-remaining') === '0' || Number.isFinite(retryAfter) || /rate limit/i.test(said)));

  if (rateLimited) {
    return new EdgeplaneError('GIT_FAILED', `${what} failed: rate limited (HTTP ${status}${said ? `: ${said}` : ''})`, {
      ...data,
      transient: true,
      ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}),
    });
  }
  if (status === 401) {
    const message = `${what} failed: the forge refused the token (HTTP 401${said ? `: ${said}` : ''}); check that the token file or environment variable holds a valid, unexpired token`;
    return new EdgeplaneError('AUTH', message, { ...data, transient: false });
  }
  if (status === 403) {
    const message = `${what} failed: the token may not do this (HTTP 403${said ? `: ${said}` : ''}); it needs read and write access to pull requests and issues of the repository (see docs/forges.md)`;
    return new EdgeplaneError('AUTH', message, { ...data, transient: false });
  }
  if (status === 404) {
    const message = `${what} failed: not found (HTTP 404${said ? `: ${said}` : ''}); check the owner, repository and API address, and that the token can see the repository (forges answer 404 to a token without access to a private one)`;
    return new EdgeplaneError('NOT_FOUND', message, { ...data, transient: false });
  }
  const transient = status >= 500 || status === 0;
  return new EdgeplaneError('GIT_FAILED', `${what} failed: HTTP ${status}${said ? `: ${said}` : ''}`, { ...data, transient });
}

/** GitHub's 422 `errors`: `[{resource, field, code, message?}]`, sometimes plain strings. */
function validationDetails(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 10).map((item: unknown) => {
    if (typeof item === 'string') return item;
    if (typeof item !== 'object' || item === null) return String(item);
    const { message, resource, field, code } = item as Record<string, unknown>;
    if (typeof message === 'string' && message !== '') return message;
    return [resource, field, code].filter((part) => typeof part === 'string').join(' ');
  });
}
