import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiErrorMessage, apiStatus } from './api-errors.js';

export interface LeaseRecord {
  holder: string | undefined;
  /** As written by the holder (its clock); only used to notice that the record changed. */
  renewTime: string | undefined;
  durationSeconds: number;
}

/** When this replica last saw the record change (its own clock: holders' clocks may be skewed). */
export interface Observation {
  key: string;
  at: number;
}

export type LeaseStep = 'renew' | 'take' | 'follow';

/**
 * Client-go's rule, as a pure function: renew our own lease; take a free lease, or one whose holder has not
 * renewed it for its whole duration as measured on our clock since we saw it change; otherwise follow.
 */
export function leaseStep(record: LeaseRecord, identity: string, observedAt: number, now: number): LeaseStep {
  if (record.holder === identity) return 'renew';
  if (!record.holder) return 'take';
  return now - observedAt > record.durationSeconds * 1000 ? 'take' : 'follow';
}

export interface LeaseElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  /** A leader that could not renew for this long stops acting (before anyone else may take over). */
  renewDeadlineMs?: number;
  retryMs?: number;
}

export interface LeadershipCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

function recordOf(lease: V1Lease): LeaseRecord {
  const renew = lease.spec?.renewTime as unknown;
  return {
    holder: lease.spec?.holderIdentity || undefined,
    renewTime: renew instanceof Date ? renew.toISOString() : typeof renew === 'string' ? renew : undefined,
    durationSeconds: lease.spec?.leaseDurationSeconds ?? 15,
  };
}

/**
 * Leader election on a coordination.k8s.io Lease, so exactly one webhook replica runs the gate controller and the
 * reconciler. Writes carry the Lease's resourceVersion: of two replicas racing for it, one gets a conflict.
 * RBAC: leases get, create, update in the webhook's namespace.
 */
export class LeaseElection {
  private readonly api: CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed: Observation | undefined;
  private leading = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: LeaseElectionOptions,
    private readonly callbacks: LeadershipCallbacks,
    private readonly logger: Logger,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? Math.floor((this.leaseDurationMs * 2) / 3);
    this.retryMs = options.retryMs ?? 2_000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    try {
      const won = await this.tryAcquireOrRenew();
      if (won) {
        this.lastRenew = Date.now();
        this.setLeading(true);
      } else this.setLeading(false);
    } catch (e) {
      this.logger.warn({ lease: this.options.name, error: apiErrorMessage(e) }, 'leader election: lease read/write failed');
      if (this.leading && Date.now() - this.lastRenew > this.renewDeadlineMs) this.setLeading(false);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.retryMs);
      this.timer.unref();
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.logger.info({ lease: this.options.name, identity: this.options.identity }, leading ? 'leader election: leading' : 'leader election: not leading');
    if (leading) this.callbacks.onStartedLeading();
    else this.callbacks.onStoppedLeading();
  }

  private spec(date: Date, taking: boolean, previous?: V1Lease): V1Lease['spec'] {
    // MicroTime must carry six fractional digits; client-node would send a Date with three (refused with 400), and
    // passes strings through unchanged.
    const now = date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
    const transitions = previous?.spec?.leaseTransitions ?? 0;
    return {
      ...previous?.spec,
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      renewTime: now,
      ...(taking && { acquireTime: now, leaseTransitions: transitions + (previous?.spec?.holderIdentity ? 1 : 0) }),
    };
  }

  /** True when we hold the lease after this round. Conflicts (another replica wrote first) count as not holding it. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name } = this.options;
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (apiStatus(e) !== 404) throw e;
      try {
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.spec(now, true) } });
        return true;
      } catch (err) {
        if (apiStatus(err) === 409) return false;
        throw err;
      }
    }
    const record = recordOf(lease);
    const key = `${record.holder ?? ''}|${record.renewTime ?? ''}`;
    if (this.observed?.key !== key) this.observed = { key, at: now.getTime() };
    const step = leaseStep(record, this.options.identity, this.observed.at, now.getTime());
    if (step === 'follow') return false;
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: this.spec(now, step === 'take', lease) } });
      return true;
    } catch (e) {
      if (apiStatus(e) === 409) return false;
      throw e;
    }
  }

  /** Stops electing; a leader hands the lease back (holder cleared) so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    const { namespace, name } = this.options;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity === this.options.identity) {
        await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 } } });
      }
    } catch (e) {
      this.logger.warn({ lease: name, error: apiErrorMessage(e) }, 'leader election: could not release the lease');
    }
    this.setLeading(false);
  }
}
