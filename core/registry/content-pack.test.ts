import { describe, expect, it } from 'vitest';
import { encodeRecord, parsePack, parseWindow } from './content-pack.js';

const a = encodeRecord('sha256:aa', 'application/json', Buffer.from('{"a":1}'));
const b = encodeRecord('sha256:bb', null, Buffer.from('xyz'));
const aHeader = a.length - 7;

describe('parsePack', () => {
  it.each([
    ['an empty pack', Buffer.alloc(0), []],
    ['two whole records', Buffer.concat([a, b]), ['sha256:aa', 'sha256:bb']],
    ['a record cut in its body (still being written)', Buffer.concat([a, b.subarray(0, b.length - 1)]), ['sha256:aa']],
    ['a record cut in its header', Buffer.concat([a, b.subarray(0, 5)]), ['sha256:aa']],
    ['a header that is not JSON', Buffer.concat([a, Buffer.from('garbage\n'), b]), ['sha256:aa']],
    ['a negative size', Buffer.concat([Buffer.from('{"digest":"sha256:cc","size":-1}\n'), a]), []],
    ['a size that is not a number', Buffer.concat([Buffer.from('{"digest":"sha256:cc","size":"3"}\nabc'), a]), []],
  ])('%s', (_, pack, digests) => {
    expect(parsePack(pack).map((r) => r.digest)).toEqual(digests);
  });

  it('says where each body is and its content type', () => {
    const pack = Buffer.concat([a, b]);
    const [ra, rb] = parsePack(pack);
    expect(ra).toEqual({ digest: 'sha256:aa', contentType: 'application/json', offset: aHeader, size: 7 });
    expect(pack.subarray(rb!.offset, rb!.offset + rb!.size).toString()).toBe('xyz');
    expect(rb!.contentType).toBeNull();
  });
});

describe('parseWindow', () => {
  it('accepts a record whose body runs past the window but not past the pack, and resumes after it', () => {
    const pack = Buffer.concat([a, b]);
    const first = parseWindow(pack.subarray(0, aHeader + 2), 0, pack.length);
    expect(first).toEqual({ records: [{ digest: 'sha256:aa', contentType: 'application/json', offset: aHeader, size: 7 }], next: a.length });
    const second = parseWindow(pack.subarray(first.next), first.next, pack.length);
    expect(second.records.map((r) => r.digest)).toEqual(['sha256:bb']);
    expect(second.next).toBe(pack.length);
  });

  it('makes no progress on a header cut by the window end, so the caller reads from that header', () => {
    expect(parseWindow(a.subarray(0, 4), 100, 1000)).toEqual({ records: [], next: 100 });
  });
});
