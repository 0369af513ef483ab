/** Cost of the address guard per registry request (issue 18): the host check and the canonical host used for credentials. */
import { hostRefusal } from '../../core/network-guard.js';
import { canonicalHostPort } from '../../core/ip-address.js';
const hosts = ['registry-1.docker.io', 'myregistry.azurecr.io', '127.0.0.1', '[::ffff:a9fe:a9fe]', '0xa9fea9fe', '[64:ff9b::a9fe:a9fe]', '10.0.0.5:5000'];
for (const [name, fn] of [['hostRefusal', (h: string) => hostRefusal(h)], ['canonicalHostPort', (h: string) => canonicalHostPort(h)]] as const) {
  const n = 1_000_000;
  for (let i = 0; i < 100_000; i++) fn(hosts[i % hosts.length]!);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(hosts[i % hosts.length]!);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${name}: ${ns.toFixed(0)} ns per call (mixed hosts)`);
}
