/**
 * `kind: Status` error bodies exactly as kube-apiserver writes them (k8s.io/apimachinery/pkg/api/errors):
 * `reason`, `code`, `message` in the server's wording, and `details` naming the object. Note the real
 * server's quirk, kept here: `details.kind` is the resource (plural, e.g. `configmaps`) for NotFound,
 * AlreadyExists and Conflict, but the Kind (e.g. `ConfigMap`) for Invalid.
 */

/** A `metav1.Status` object. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: { reason: string; message: string; field?: string }[] };
  /** The HTTP status; absent on success bodies, as the real server writes them. */
  code?: number;
}

/** What an object's errors are about: its resource (plural), group and name. */
export interface ErrorSubject {
  group: string;
  resource: string;
  kind: string;
  name: string;
}

/** An API failure: the handler throws it, the server writes `status` with HTTP code `status.code`. */
export class ApiError extends Error {
  readonly status: KubeStatus & { code: number };

  constructor(code: number, reason: string, message: string, details?: KubeStatus['details']) {
    super(message);
    this.name = 'ApiError';
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
  }

  static notFound(subject: ErrorSubject): ApiError {
    return new ApiError(404, 'NotFound', `${qualified(subject)} "${subject.name}" not found`, details(subject));
  }

  static alreadyExists(subject: ErrorSubject): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualified(subject)} "${subject.name}" already exists`, details(subject));
  }

  static conflict(subject: ErrorSubject, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(subject)} "${subject.name}": ${why}`, details(subject));
  }

  static invalid(subject: ErrorSubject, causes: { field: string; message: string }[]): ApiError {
    const kind = subject.group ? `${subject.kind}.${subject.group}` : subject.kind;
    const list = causes.map((cause) => `${cause.field}: ${cause.message}`);
    const message = `${kind} "${subject.name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`;
    return new ApiError(422, 'Invalid', message, {
      name: subject.name,
      ...(subject.group ? { group: subject.group } : {}),
      kind: subject.kind,
      causes: causes.map((cause) => ({ reason: 'FieldValueInvalid', message: cause.message, field: cause.field })),
    });
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  }

  static unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  }

  static methodNotAllowed(method: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
  }

  static noSuchResource(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  static expired(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  }

  static unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
    return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format (${contentType || 'none'}) - accepted media types include: ${accepted.join(', ')}`);
  }
}

function qualified(subject: ErrorSubject): string {
  return subject.group ? `${subject.resource}.${subject.group}` : subject.resource;
}

function details(subject: ErrorSubject): KubeStatus['details'] {
  return { name: subject.name, ...(subject.group ? { group: subject.group } : {}), kind: subject.resource };
}

/** The body of a successful delete that does not return the object. */
export function successStatus(subject: ErrorSubject, uid: string): KubeStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: subject.name, ...(subject.group ? { group: subject.group } : {}), kind: subject.resource, uid },
  };
}
