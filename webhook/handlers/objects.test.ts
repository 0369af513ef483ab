import { describe, expect, it } from 'vitest';
import { withPodTemplate } from './objects.js';

describe('withPodTemplate', () => {
  const template = { metadata: { labels: { app: 'new' } }, spec: { containers: [{ name: 'c', image: 'new' }] } };

  it.each([
    { kind: 'DaemonSet', object: { metadata: { name: 'ds' }, spec: { selector: {}, template: { spec: { containers: [] } } } }, at: ['spec'] },
    { kind: 'CronJob', object: { metadata: { name: 'cj' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } }, at: ['spec', 'jobTemplate', 'spec'] },
  ])('$kind: the copy carries the new template and the request object is left as it was', ({ kind, object, at }) => {
    const before = JSON.stringify(object);
    const copy = withPodTemplate(kind, object, template) as Record<string, unknown>;
    let node: Record<string, unknown> = copy;
    for (const key of at) node = node[key] as Record<string, unknown>;
    expect(node.template).toEqual(template);
    expect(JSON.stringify(object)).toBe(before);
    expect(copy.metadata).toEqual(object.metadata);
  });
});
