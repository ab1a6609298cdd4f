import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeChunked,
  encodeEom,
  type Framing,
  FramingError,
  NetconfDecoder,
} from '../../../../drivers/netconf/framer.js';

// Any Unicode text: multi-byte characters make byte splits land inside characters.
const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 300 });
// Text rich in marker-like bytes, so partial markers and chunk-header look-alikes appear often.
const tricky = fc
  .array(fc.constantFrom(']', ']]>', ']]>]]', '>', '\n', '#', '\n#', '\n##', '1', 'é', '😀', 'a'), {
    minLength: 1,
    maxLength: 40,
  })
  .map((parts) => parts.join(''));
const message = fc.oneof(text, tricky);

/** Encodes with random chunk sizes, so a message spans many chunks. */
function encodeRandomChunks(msg: string, sizes: number[]): Buffer {
  const body = Buffer.from(msg, 'utf8');
  const parts: Buffer[] = [];
  let off = 0;
  let i = 0;
  while (off < body.length) {
    const n = Math.min(sizes[i++ % sizes.length] ?? 1, body.length - off);
    parts.push(Buffer.from(`\n#${n}\n`), body.subarray(off, off + n));
    off += n;
  }
  parts.push(Buffer.from('\n##\n'));
  return Buffer.concat(parts);
}

/** Splits a byte stream at the given (sorted, deduplicated) positions. */
function splitAt(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(stream.subarray(prev, p));
    prev = p;
  }
  out.push(stream.subarray(prev));
  return out;
}

function decodeAll(framing: Framing, pieces: Buffer[], max?: number): string[] {
  const d = new NetconfDecoder(max ? { maxMessageBytes: max } : {});
  d.setFraming(framing);
  const out: string[] = [];
  for (const p of pieces) {
    d.push(p);
    for (let m = d.next(); m !== undefined; m = d.next()) out.push(m);
  }
  return out;
}

describe('RFC 6242 framer', () => {
  it('decodes random chunked streams split at random byte positions (10,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (msgs, sizes, cuts) => {
          const stream = Buffer.concat(msgs.map((m) => encodeRandomChunks(m, sizes)));
          expect(decodeAll('chunked', splitAt(stream, cuts))).toEqual(msgs);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('decodes random end-of-message streams split at random byte positions (10,000 runs)', () => {
    // End-of-message framing cannot carry a message whose tail plus the marker contains the
    // marker earlier (e.g. one ending in "]]>"); XML never ends that way, so those are left out.
    const eomSafe = message.filter((m) => `${m}]]>]]>`.indexOf(']]>]]>') === m.length);
    fc.assert(
      fc.property(
        fc.array(eomSafe, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (msgs, cuts) => {
          const stream = Buffer.concat(msgs.map((m) => encodeEom(m)));
          expect(decodeAll('eom', splitAt(stream, cuts))).toEqual(msgs);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('finds a marker that straddles reads after a false start (KMP fallback)', () => {
    // "]]>]]" then "]>]]>": the marker begins at the last byte of the first read.
    expect(decodeAll('eom', [Buffer.from('a]]>]]'), Buffer.from(']>]]>b]]>]]>')])).toEqual(['a]]>]', 'b']);
  });

  it('keeps the bytes that follow the hello for the new framing', () => {
    const d = new NetconfDecoder();
    const hello = '<hello/>';
    const reply = '<rpc-reply message-id="1"/>';
    d.push(Buffer.concat([encodeEom(hello), encodeChunked(reply)]));
    expect(d.next()).toBe(hello);
    d.setFraming('chunked');
    expect(d.next()).toBe(reply);
    expect(d.next()).toBeUndefined();
  });

  it('frames a message that fits one chunk as one chunk, sized in UTF-8 bytes', () => {
    expect(encodeChunked('<ok/>').toString('latin1')).toBe('\n#5\n<ok/>\n##\n');
    expect(encodeChunked('<d>é</d>').toString('utf8')).toBe('\n#9\n<d>é</d>\n##\n');
    expect(encodeChunked('abcd', 4).toString('latin1')).toBe('\n#4\nabcd\n##\n');
    expect(encodeChunked('abcde', 4).toString('latin1')).toBe('\n#4\nabcd\n#1\ne\n##\n');
  });

  it('round-trips its own chunked encoder with any chunk size', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 1, max: 4096 }), (m, size) => {
        expect(decodeAll('chunked', [encodeChunked(m, size)])).toEqual([m]);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips its own chunked encoder with small chunks', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 1, max: 16 }), (m, size) => {
        expect(decodeAll('chunked', [encodeChunked(m, size)])).toEqual([m]);
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['leading zero', '\n#05\nhello\n##\n'],
    ['zero size', '\n#0\n\n##\n'],
    ['eleven digits', '\n#12345678901\nx'],
    ['no LF before #', '#5\nhello\n##\n'],
    ['letters in size', '\n#1a\nx'],
    ['end without chunk', '\n##\n'],
    ['bad byte after ##', '\n#1\nx\n##x'],
  ])('rejects %s', (_name, input) => {
    expect(() => decodeAll('chunked', [Buffer.from(input)])).toThrow(FramingError);
  });

  it('refuses a chunk larger than the maximum message size before buffering it', () => {
    const d = new NetconfDecoder({ maxMessageBytes: 1024 });
    d.setFraming('chunked');
    d.push(Buffer.from('\n#1025\n'));
    expect(() => d.next()).toThrow(/exceed 1024 bytes/);
    expect(d.bufferedBytes).toBe(0);
    // A failed decoder stays failed: the stream is out of step for good.
    expect(() => d.push(Buffer.from('\n#1\nx\n##\n'))).toThrow(FramingError);
  });

  it('refuses a message whose chunks add up past the maximum', () => {
    const d = new NetconfDecoder({ maxMessageBytes: 100 });
    d.setFraming('chunked');
    d.push(Buffer.from(`\n#60\n${'a'.repeat(60)}\n#60\n`));
    expect(() => d.next()).toThrow(FramingError);
  });

  it('refuses an end-of-message stream that never ends within the maximum', () => {
    const d = new NetconfDecoder({ maxMessageBytes: 4096 });
    let err: unknown;
    try {
      for (let i = 0; i < 100; i++) {
        d.push(Buffer.alloc(1000, 0x61));
        d.next();
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FramingError);
    expect(d.bufferedBytes).toBe(0);
  });

  it('refuses an oversized end-of-message message even when its marker comes in the same read', () => {
    const d = new NetconfDecoder({ maxMessageBytes: 100 });
    d.push(encodeEom('a'.repeat(101)));
    expect(() => d.next()).toThrow(FramingError);
    const ok = new NetconfDecoder({ maxMessageBytes: 100 });
    ok.push(encodeEom('a'.repeat(100)));
    expect(ok.next()).toBe('a'.repeat(100));
  });

  it('garbage yields a FramingError or nothing, never another crash, and memory stays bounded', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom<Framing>('eom', 'chunked'),
        (bytes, cuts, framing) => {
          const d = new NetconfDecoder({ maxMessageBytes: 256 });
          d.setFraming(framing);
          try {
            for (const p of splitAt(Buffer.from(bytes), cuts)) {
              d.push(p);
              for (let m = d.next(); m !== undefined; m = d.next()) expect(typeof m).toBe('string');
              expect(d.bufferedBytes).toBeLessThanOrEqual(256 + 512);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(FramingError);
          }
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('decodes a 1 MiB message arriving in 16 KiB reads in linear time', () => {
    const big = `<data>${'x'.repeat(1024 * 1024)}</data>`;
    const stream = encodeChunked(big, 64 * 1024);
    const pieces = splitAt(
      stream,
      Array.from({ length: 70 }, (_, i) => i * 16 * 1024),
    );
    const t0 = performance.now();
    expect(decodeAll('chunked', pieces)).toEqual([big]);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('the encoders refuse what cannot be framed', () => {
    expect(() => encodeEom('a]]>]]>b')).toThrow(FramingError);
    expect(() => encodeChunked('')).toThrow(FramingError);
  });
});
