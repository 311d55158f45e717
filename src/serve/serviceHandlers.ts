import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServeSettings } from './config.js';
import type { Handlers, Reply } from './httpServer.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { renderStatusPage, type StatusPageData } from './statusPage.js';
import type { TriggerSource } from './triggerQueue.js';
import { readWebhook, shouldReconcile, watchedRefs } from './webhook.js';

/** What the endpoints need from the service. */
export interface HandlerContext {
  settings: ServeSettings;
  metrics: ServiceMetrics;
  logger: Logger;
  pageData(): StatusPageData;
  /** Why the service cannot take webhooks now; empty when it can. */
  notReady(): string[];
  /** Requests a reconcile here and on every other replica. */
  trigger(source: TriggerSource, detail: string): void;
}

/** The service's endpoints: health, readiness, metrics, the status page, webhooks and the manual trigger. */
export function serviceHandlers(ctx: HandlerContext): Handlers {
  return {
    healthz: () => ({ status: 200, body: 'ok\n' }),
    readyz: () => {
      const reasons = ctx.notReady();
      return reasons.length === 0 ? { status: 200, body: 'ready\n' } : { status: 503, body: `not ready: ${reasons.join('; ')}\n` };
    },
    metrics: async () => ({ status: 200, body: await ctx.metrics.registry.metrics(), contentType: ctx.metrics.registry.contentType }),
    statusPage: async () => ({ status: 200, body: renderStatusPage(ctx.pageData()), contentType: 'text/html; charset=utf-8' }),
    statusJson: async () => ({ status: 200, body: ctx.pageData() }),
    webhook: async (headers, body) => webhook(ctx, headers, body),
    trigger: (headers) => manualTrigger(ctx, headers),
    failed: (error, route) => ctx.logger.error({ err: error, route }, 'request failed'),
  };
}

/** 401 unless authentic; 202 and a reconcile for a push to the spec ref; 200 with the reason for anything else. */
function webhook(ctx: HandlerContext, headers: IncomingHttpHeaders, body: Buffer): Reply {
  const { metrics, logger, settings } = ctx;
  const verdict = readWebhook(headers, body, settings.webhook.secrets.read());
  if (!verdict.ok) {
    const forge = forgeHint(headers);
    metrics.webhooks.inc({ forge, result: verdict.status === 401 ? 'unauthorized' : 'bad-request' });
    logger.warn({ status: verdict.status, reason: verdict.reason, forge }, 'webhook refused');
    return { status: verdict.status, body: { error: verdict.reason } };
  }
  const ignore = (reason: string): Reply => {
    metrics.webhooks.inc({ forge: verdict.forge, result: 'ignored' });
    logger.debug({ forge: verdict.forge, event: verdict.event, delivery: verdict.delivery, reason }, 'webhook ignored');
    return { status: 200, body: { triggered: false, reason } };
  };
  if (!verdict.push) return ignore(verdict.event === 'ping' ? 'pong' : `${verdict.event} events do not reconcile`);
  const decision = shouldReconcile(verdict.push, { refs: watchedRefs(settings.source.ref), repositories: settings.webhook.repositories });
  if (!decision.reconcile) return ignore(decision.reason);
  metrics.webhooks.inc({ forge: verdict.forge, result: 'triggered' });
  logger.info({ forge: verdict.forge, delivery: verdict.delivery, after: verdict.push.after }, `webhook: ${decision.reason}`);
  ctx.trigger('webhook', decision.reason);
  return { status: 202, body: { triggered: true, reason: decision.reason } };
}

/** A reconcile on request, with a bearer token; refused when no token is configured. */
function manualTrigger(ctx: HandlerContext, headers: IncomingHttpHeaders): Reply {
  const tokens = ctx.settings.triggerTokens.read();
  const given = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (tokens.length === 0 || given === undefined || !tokens.some((t) => sameSecret(given, t))) {
    ctx.logger.warn({ configured: tokens.length > 0 }, 'manual trigger refused');
    const error = tokens.length === 0 ? 'the trigger endpoint is disabled: no trigger token is configured' : 'bad or missing bearer token';
    return { status: 401, body: { error }, headers: { 'www-authenticate': 'Bearer' } };
  }
  ctx.logger.info('manual trigger');
  ctx.trigger('manual', 'POST /trigger');
  return { status: 202, body: { triggered: true } };
}

/** Constant time whatever the lengths: both sides are hashed first. */
function sameSecret(given: string, secret: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(secret).digest());
}

/** The forge a refused request claims to come from, for the metric's label. */
function forgeHint(headers: IncomingHttpHeaders): string {
  if (headers['x-gitea-event'] || headers['x-forgejo-event']) return 'gitea';
  if (headers['x-gitlab-event']) return 'gitlab';
  if (headers['x-github-event']) return 'github';
  return 'unknown';
}
