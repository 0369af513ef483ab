import { startStandIn, type Call, type Reply, type StandInServer } from './server.js';

export interface GcpStandIn {
  /** GCE_METADATA_HOST (host:port): the metadata server, which on GKE with Workload Identity is the GKE one. */
  metadataHost: string;
  metadata: StandInServer;
  /** `token_url` of an external-account credential file: Google STS. */
  stsTokenUrl: string;
  sts: StandInServer;
  tokenCalls(): Call[];
  /** Lifetime of later access tokens, seconds. */
  setExpiresIn(seconds: number): void;
  stop(): Promise<void>;
}

export interface GcpStandInOptions {
  /** The access token both endpoints hand out, which the test registry accepts as password. */
  accessToken: string;
  /** The subject token an external-account file points at. */
  subjectToken: string;
}

const FLAVOR = { 'metadata-flavor': 'Google' };

/**
 * Stands in for the Compute/GKE metadata server (what ADC uses on GKE) and for Google STS (what an external-account
 * credential, i.e. workload identity federation, exchanges its subject token at).
 */
export async function startGcp(opts: GcpStandInOptions): Promise<GcpStandIn> {
  let expiresIn = 3599;
  const metadata = await startStandIn((call: Call): Reply => {
    // The client library checks this header on every answer to be sure it talks to a metadata server.
    if (call.headers['metadata-flavor'] !== 'Google') return { status: 403, headers: FLAVOR, body: 'Missing Metadata-Flavor header' };
    const path = new URL(call.path, 'http://metadata.invalid').pathname.replace(/\/$/, '');
    if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      return { status: 200, headers: FLAVOR, body: { access_token: opts.accessToken, expires_in: expiresIn, token_type: 'Bearer' } };
    }
    if (path === '/computeMetadata/v1/project/project-id') return { status: 200, headers: { ...FLAVOR, 'content-type': 'text/plain' }, body: 'archcheck-test' };
    if (path === '/computeMetadata/v1/universe/universe-domain') return { status: 200, headers: { ...FLAVOR, 'content-type': 'text/plain' }, body: 'googleapis.com' };
    if (path === '/computeMetadata/v1/instance' || path === '/computeMetadata/v1') return { status: 200, headers: { ...FLAVOR, 'content-type': 'text/plain' }, body: 'attributes/\nid\nservice-accounts/\n' };
    return { status: 404, headers: FLAVOR, body: 'not found' };
  });
  const sts = await startStandIn((call: Call): Reply => {
    const f = call.form;
    if (f.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' || f.get('subject_token') !== opts.subjectToken) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'subject token rejected' } };
    }
    return {
      status: 200,
      body: { access_token: opts.accessToken, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: expiresIn },
    };
  });
  return {
    metadataHost: metadata.host,
    metadata,
    stsTokenUrl: `${sts.url}/v1/token`,
    sts,
    tokenCalls: () => [...metadata.calls.filter((c) => c.path.includes('/token')), ...sts.calls],
    setExpiresIn: (s) => {
      expiresIn = s;
    },
    stop: async () => {
      await Promise.all([metadata.stop(), sts.stop()]);
    },
  };
}
