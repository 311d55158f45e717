/**
 * Tests reach the simulated forge (src/simulate/forge/, which `edgeplane demo groundstations` runs too) through
 * here, always under GitHub's official OpenAPI description (`@octokit/openapi`, a devDependency, so the checker
 * stays in test/): the description decides which operation a request is; the path must be an operation of the
 * API, path and query parameters and the JSON body must match its schemas. A request that does not is answered
 * 400/422 (404 for a path that is no operation) and recorded in `violations`; an operation of the API the
 * simulated forge does not serve is answered 501 and recorded as `unimplemented`. Every answer is checked against
 * the operation's response schema too, so a test asserting `violations` is empty shows that client and simulated
 * forge both speak GitHub's API as documented.
 */
import {
  startForgeServer as startSimulatedForge,
  type ForgeChecker,
  type ForgeServer as SimulatedForge,
  type ForgeServerOptions as SimulatedForgeOptions,
} from '../../src/simulate/forge/forgeServer.js';
import { OpenApiValidator } from '../forge/openApiValidator.js';

export type { ForgePullRequestView, ForgeRequestRecord, ForgeViolation } from '../../src/simulate/forge/forgeServer.js';

/** Arguments of `startForgeServer`: the simulated forge's, the checker being GitHub's description. */
export type ForgeServerOptions = Omit<SimulatedForgeOptions, 'check'>;

/** A running simulated forge whose traffic is checked against GitHub's OpenAPI description. */
export interface ForgeServer extends Omit<SimulatedForge, 'apiVersion'> {
  /** The OpenAPI description's version the traffic is checked against. */
  readonly apiVersion: string;
}

/** Starts a simulated forge on 127.0.0.1 under the OpenAPI checker; resolves once it listens. */
export async function startForgeServer(options: ForgeServerOptions): Promise<ForgeServer> {
  const validator = await OpenApiValidator.load();
  const forge = await startSimulatedForge({ ...options, check: openApiChecker(validator) });
  return { ...forge, apiVersion: validator.version };
}

/** GitHub's description as the simulated forge's checker. */
export function openApiChecker(validator: OpenApiValidator): ForgeChecker {
  return {
    version: validator.version,
    operation: (method, path) => validator.match(method, path),
    // The operations handed back are the ones `operation` matched, so the validator knows their templates.
    request: (operation, request) => validator.checkRequest(operation, request.query, request.body, request.hasBody),
    response: (operation, answer) => validator.checkResponse(operation, answer.status, answer.body, answer.hasBody),
  };
}
