import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebhookMetrics } from '../metrics.js';
import { InFlight } from './in-flight.js';
import { webhookRequestCounter } from './request-tracking.js';

/** What the counter reads and writes of a response: its status, one header, its close event. */
function fakeResponse(statusCode: number): ServerResponse & { headers: Record<string, string> } {
  const res = Object.assign(new EventEmitter(), { statusCode, headers: {} as Record<string, string> });
  return Object.assign(res, { setHeader: (name: string, value: string) => void (res.headers[name] = value) }) as unknown as ServerResponse & { headers: Record<string, string> };
}

const sample = async (metrics: WebhookMetrics, name: string): Promise<string[]> =>
  (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(name));

describe('webhookRequestCounter', () => {
  it('counts each response by path and status code once it closes, and in flight until then', async () => {
    const metrics = new WebhookMetrics({ defaultMetrics: false });
    const count = webhookRequestCounter(metrics, '/mutate');
    const inFlight = new InFlight();
    const responses = [200, 200, 400].map((code) => fakeResponse(code));
    for (const res of responses) count(res, inFlight);
    expect(inFlight.size()).toBe(3);
    expect(await sample(metrics, 'controller_runtime_webhook_requests_in_flight')).toEqual(['controller_runtime_webhook_requests_in_flight{webhook="/mutate"} 3']);
    for (const res of responses) res.emit('close');
    expect(inFlight.size()).toBe(0);
    expect(await sample(metrics, 'controller_runtime_webhook_requests_total')).toEqual([
      'controller_runtime_webhook_requests_total{webhook="/mutate",code="200"} 2',
      'controller_runtime_webhook_requests_total{webhook="/mutate",code="400"} 1',
    ]);
    expect(await sample(metrics, 'controller_runtime_webhook_latency_seconds_count')).toEqual(['controller_runtime_webhook_latency_seconds_count{webhook="/mutate"} 3']);
    expect(await sample(metrics, 'controller_runtime_webhook_requests_in_flight')).toEqual(['controller_runtime_webhook_requests_in_flight{webhook="/mutate"} 0']);
  });

  it('asks the client to close the connection while the server drains', async () => {
    const metrics = new WebhookMetrics({ defaultMetrics: false });
    const count = webhookRequestCounter(metrics, '/validate');
    const inFlight = new InFlight();
    const before = fakeResponse(200);
    count(before, inFlight);
    const drained = inFlight.drain(5_000);
    const during = fakeResponse(200);
    count(during, inFlight);
    expect(before.headers).toEqual({});
    expect(during.headers).toEqual({ Connection: 'close' });
    before.emit('close');
    during.emit('close');
    await expect(drained).resolves.toBe(true);
  });
});
