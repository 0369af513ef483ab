import { describe, expect, it } from 'vitest';
import type { Pod } from '../../core/placement/index.js';
import type { AdmissionRequest } from '../admission/review.js';
import { noClusterFacts } from '../cluster-facts.js';
import { ImageLookup } from '../images/image-lookup.js';
import { fakeCluster } from '../testing/fake-cluster.js';
import { FakeResolver } from '../testing/fake-resolver.js';
import { testSettings } from '../testing/run-admission.js';
import type { Mode } from '../policy/settings.js';
import { firstSkip, operationGuard, POD_GUARDS, requestScope, subresourceGuard, type Guarded, type RequestScope } from './guards.js';

const request = (extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({ uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'shop', ...extra });
const scope = (namespace = 'shop', mode: Mode = 'mutate'): RequestScope => ({ namespace, mode, settings: testSettings() });
const pod = (edit: (p: Pod) => void = () => undefined): Pod => {
  const p: Pod = { metadata: { annotations: {} }, spec: { containers: [{ name: 'a', image: 'busybox:1.36' }] } };
  edit(p);
  return p;
};
const guarded = (target: Pod, s: RequestScope = scope()): Guarded<Pod> => ({ request: request(), target, scope: s });

describe('guards', () => {
  it('operation and subresource', () => {
    expect(operationGuard(request(), ['CREATE'])).toBeUndefined();
    expect(operationGuard(request({ operation: 'UPDATE' }), ['CREATE'])).toMatchObject({ kind: 'skip', decision: 'ignored', parts: { decision: 'ignored', reason: 'none' } });
    expect(subresourceGuard(request(), '')).toBeUndefined();
    expect(subresourceGuard(request({ subResource: 'status' }), '')).toMatchObject({ kind: 'skip', decision: 'ignored', parts: { decision: 'ignored', reason: 'none' } });
    expect(subresourceGuard(request({ subResource: 'ephemeralcontainers' }), 'ephemeralcontainers')).toBeUndefined();
  });

  const cases: { name: string; target: Pod; scope?: RequestScope; decision?: string }[] = [
    { name: 'a plain pod passes', target: pod() },
    { name: 'mode off', target: pod(), scope: scope('shop', 'off'), decision: 'skipped:mode-off' },
    { name: 'kube-system', target: pod(), scope: scope('kube-system'), decision: 'skipped:excluded-namespace' },
    { name: "the webhook's own namespace", target: pod(), scope: scope('archcheck'), decision: 'skipped:excluded-namespace' },
    { name: 'bound pod', target: pod((p) => void (p.spec.nodeName = 'n1')), decision: 'skipped:has-node-name' },
    { name: 'mirror pod', target: pod((p) => void (p.metadata!.annotations!['kubernetes.io/config.mirror'] = 'x')), decision: 'skipped:mirror-pod' },
    { name: 'DaemonSet pod', target: pod((p) => void (p.metadata!.ownerReferences = [{ kind: 'DaemonSet', name: 'd', controller: true }])), decision: 'skipped:daemonset-pod' },
    { name: 'owned by a DaemonSet but not its controller', target: pod((p) => void (p.metadata!.ownerReferences = [{ kind: 'DaemonSet', name: 'd' }])) },
    { name: 'opted out', target: pod((p) => void (p.metadata!.annotations!['archcheck.dev/skip'] = 'true')), decision: 'skipped:opted-out' },
    { name: 'namespace comes before the pod: a bound pod in kube-system', target: pod((p) => void (p.spec.nodeName = 'n1')), scope: scope('kube-system'), decision: 'skipped:excluded-namespace' },
  ];
  it.each(cases)('pod guards: $name', ({ target, scope: s, decision }) => {
    expect(firstSkip(POD_GUARDS, guarded(target, s))?.decision).toBe(decision);
  });
});

describe('requestScope', () => {
  const env = (cluster = noClusterFacts) => ({ settings: testSettings(), cluster, images: new ImageLookup(new FakeResolver()) });

  it('takes the namespace from the request, else the object; the namespace label sets the mode', async () => {
    const cluster = fakeCluster({ nodes: { a: 'amd64' }, namespaces: { team: { 'archcheck.dev/mode': 'warn' } } });
    expect(await requestScope(request({ namespace: 'team' }), env(cluster))).toMatchObject({ namespace: 'team', mode: 'warn' });
    const fromObject = await requestScope(request({ namespace: undefined, object: { metadata: { namespace: 'team' } } }), env(cluster));
    expect(fromObject).toMatchObject({ namespace: 'team', mode: 'warn' });
    expect((await requestScope(request(), env(cluster))).settings.allowedArchs).toEqual(['amd64']);
  });

  it('without discovery or configuration the fallback archs are allowed', async () => {
    expect((await requestScope(request(), env())).settings.allowedArchs).toEqual(['amd64', 'arm64']);
  });
});
