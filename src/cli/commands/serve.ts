import { Command, InvalidArgumentError } from 'commander';
import { loadServeSettings, type ServeFlags } from '../../serve/config.js';
import { EdgeplaneService } from '../../serve/service.js';
import type { Io } from '../main.js';

interface Flags {
  config?: string;
  repo?: string;
  ref?: string;
  tokenFile?: string;
  cacheDir?: string;
  output?: string;
  mode?: 'branch' | 'folder';
  host?: string;
  port?: number;
  schedule?: string;
}

/**
 * `edgeplane serve`: reconcile on webhooks and a schedule, with /healthz, /readyz, /metrics and a status page.
 * Runs until SIGINT or SIGTERM, then finishes the reconcile in flight, hands its leases back and exits 0.
 */
export function serveCommand(io: Io, _setCode: (code: number) => void, signals: NodeJS.EventEmitter = process): Command {
  return new Command('serve')
    .description('run the reconciler as a service: forge webhooks, a schedule, /metrics and a status page (see docs/service.md)')
    .option('-c, --config <file>', 'service configuration file, kind ServiceConfig (else $EDGEPLANE_CONFIG)')
    .option('-r, --repo <path|url>', 'the spec repo (else spec.source.repo or $EDGEPLANE_REPO)')
    .option('--ref <branch>', 'the branch reconciled; pushes to other refs are ignored (default main)')
    .option('--token-file <file>', 'file holding the Git token (else $EDGEPLANE_GIT_TOKEN_FILE, $EDGEPLANE_GIT_TOKEN)')
    .option('--cache-dir <dir>', 'where remote repos are cached')
    .option('--output <path|url>', "output repo, overriding edgeplane.yaml ('self' = the spec repo)")
    .option('--mode <mode>', 'branch or folder, overriding edgeplane.yaml')
    .option('--host <address>', 'address to listen on (default 127.0.0.1; 0.0.0.0 in a container)')
    .option('--port <port>', 'port to listen on (default 8080; 0 picks a free one)', port)
    .option('--schedule <cron>', "fallback poll, a cron expression (default '*/5 * * * *'; 'off' disables it)")
    .action(async (flags: Flags) => {
      const settings = loadServeSettings(flags satisfies ServeFlags);
      const service = await EdgeplaneService.start({ settings });
      io.err(`edgeplane serve: listening on ${service.url} (status page ${service.url}/, metrics ${service.url}/metrics)\n`);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          service.logger.info({ signal }, 'shutting down');
          signals.off('SIGINT', onInt);
          signals.off('SIGTERM', onTerm);
          void service.stop().then(resolve, resolve);
        };
        const onInt = () => shutdown('SIGINT');
        const onTerm = () => shutdown('SIGTERM');
        signals.on('SIGINT', onInt);
        signals.on('SIGTERM', onTerm);
      });
    });
}

function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return value;
}
