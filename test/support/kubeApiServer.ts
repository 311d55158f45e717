/** Tests reach the local Kubernetes API server through here; it lives in src/simulate/ because demos use it too. */
export * from '../../src/simulate/kubeApiServer.js';
