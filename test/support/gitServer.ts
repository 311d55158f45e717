/** Tests reach the Git smart-HTTP server through here; it lives in src/simulate/ because demos use it too. */
export { createBareRepo, startGitServer, type GitHttpServer as GitServer, type GitHttpServerOptions as GitServerOptions } from '../../src/simulate/gitHttpServer.js';
