// Only KubeConfig, through a static re-export: the bundler then keeps what KubeConfig needs, not client-node's API.
export { KubeConfig } from '@kubernetes/client-node';
