// The API server's route to kubelets for pod streams and node proxying. See node-proxy.ts.
export { createNodeProxy, writeStatus, type NodeProxy, type NodeProxyDeps } from './node-proxy.js';
export { kubeletTarget, podStreamPath, nodeProxyPath, resolveContainer, checkContainerStarted } from './kubelet-location.js';
export { createUpgradeHandler, type UpgradeDeps } from './upgrade.js';
