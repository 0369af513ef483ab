import { describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../core/image-info.js';
import type { ResolveRequest } from '../../core/resolver.js';
import { FleetSharedResolver } from './shared-resolver.js';

describe('FleetSharedResolver', () => {
  it('asks once per image and credential content, whatever the number of clusters asking', async () => {
    const asked: string[] = [];
    const inner = { resolve: (ref: string, req?: ResolveRequest) => (asked.push(`${ref} ${req?.credentials?.length ?? 0}`), Promise.resolve({ reference: ref } as unknown as ImageInfo)) };
    const shared = new FleetSharedResolver(inner);
    const secret = (password: string): ResolveRequest => ({ credentials: [{ key: 'reg', credential: { kind: 'basic', username: 'u', password }, source: 'pull secret shop/regcred' }] });
    await Promise.all([shared.resolve('reg/app:1'), shared.resolve('reg/app:1'), shared.resolve('reg/app:1', secret('a')), shared.resolve('reg/app:1', secret('a')), shared.resolve('reg/app:1', secret('b'))]);
    // Same secret name in two clusters with different contents: two lookups, never one answer for both.
    expect(asked).toEqual(['reg/app:1 0', 'reg/app:1 1', 'reg/app:1 1']);
    expect(shared.lookups).toBe(3);
  });
});
