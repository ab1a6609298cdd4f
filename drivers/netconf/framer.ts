import { DcAgentError } from '../../core/errors.js';

/**
 * RFC 6242 framing on bytes. The decoder is a state machine fed with whatever the transport
 * hands it: markers and chunk headers may be split anywhere, several messages may come in one
 * read, and a message is only decoded to text (UTF-8, once) when it is complete. Nothing is ever
 * rescanned, so big messages cost linear time, and every message is bounded by maxMessageBytes.
 */

export type Framing = 'eom' | 'chunked';

export const EOM_MARKER = Buffer.from(']]>]]>', 'latin1');
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** RFC 6242 §4.2: chunk-size is 1..4294967295, so at most 10 digits. */
const MAX_CHUNK_DIGITS = 10;

export class FramingError extends DcAgentError {
  override readonly name = 'FramingError';
  constructor(message: string) {
    // The byte stream is out of step with the peer; only a new session can recover.
    super('rpc-error', `NETCONF framing error: ${message}`, { retryable: true });
  }
}

export interface DecoderOptions {
  maxMessageBytes?: number;
}

const LF = 0x0a;
const HASH = 0x23;

enum Chunk {
  /** Expecting the LF that starts a chunk header or the end-of-chunks marker. */
  Lf,
  /** Saw LF, expecting '#'. */
  Hash,
  /** Saw "\n#", expecting a non-zero digit (chunk) or '#' (end of chunks). */
  First,
  /** Inside the chunk size digits. */
  Digits,
  /** Saw "\n##", expecting LF. */
  EndLf,
  /** Inside chunk data. */
  Data,
}

export class NetconfDecoder {
  readonly maxMessageBytes: number;
  #framing: Framing = 'eom';
  /** Unconsumed input, in the order received. Pieces are views into the transport's buffers. */
  #input: Buffer[] = [];
  #inputBytes = 0;
  /** The current message's bytes so far. */
  #pieces: Buffer[] = [];
  #messageBytes = 0;
  #failed: FramingError | undefined;
  // chunked state
  #state: Chunk = Chunk.Lf;
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #chunks = 0;
  // eom state: how many marker bytes matched at the end of the bytes already moved into #pieces
  #eomMatched = 0;

  constructor(options: DecoderOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  get framing(): Framing {
    return this.#framing;
  }

  /** Bytes held for a message not complete yet, for tests that check memory stays bounded. */
  get bufferedBytes(): number {
    return this.#inputBytes + this.#messageBytes;
  }

  /**
   * Switches framing between messages (after the hello). Bytes already received after the hello
   * stay queued and are decoded with the new framing by the next `next()`.
   */
  setFraming(framing: Framing): void {
    if (this.#messageBytes > 0 || this.#state !== Chunk.Lf || this.#eomMatched !== 0) {
      throw new FramingError('cannot switch framing in the middle of a message');
    }
    this.#framing = framing;
  }

  push(data: Buffer): void {
    if (this.#failed) throw this.#failed;
    if (data.length === 0) return;
    this.#input.push(data);
    this.#inputBytes += data.length;
  }

  /** The next complete message, or undefined until more bytes arrive. Throws FramingError. */
  next(): string | undefined {
    if (this.#failed) throw this.#failed;
    try {
      return this.#framing === 'eom' ? this.#nextEom() : this.#nextChunked();
    } catch (err) {
      if (err instanceof FramingError) {
        this.#failed = err;
        this.#input = [];
        this.#pieces = [];
        this.#inputBytes = 0;
        this.#messageBytes = 0;
      }
      throw err;
    }
  }

  #take(buf: Buffer): void {
    this.#pieces.push(buf);
    this.#messageBytes += buf.length;
  }

  #finish(trailing = 0): string {
    // A marker found in one big read would otherwise let an oversized message through.
    if (this.#messageBytes - trailing > this.maxMessageBytes) {
      throw new FramingError(`message exceeds ${this.maxMessageBytes} bytes`);
    }
    const whole =
      this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces, this.#messageBytes);
    this.#pieces = [];
    this.#messageBytes = 0;
    return whole.toString('utf8', 0, whole.length - trailing);
  }

  #consumeInput(): Buffer | undefined {
    const b = this.#input.shift();
    if (b) this.#inputBytes -= b.length;
    return b;
  }

  #unshiftInput(b: Buffer): void {
    if (b.length === 0) return;
    this.#input.unshift(b);
    this.#inputBytes += b.length;
  }

  #nextEom(): string | undefined {
    for (;;) {
      const buf = this.#consumeInput();
      if (!buf) return undefined;
      // A marker may straddle reads: run the KMP automaton from the state the previous read left
      // until it either completes the marker or falls back to "no partial match".
      let i = 0;
      let m = this.#eomMatched;
      while (m > 0 && i < buf.length) {
        m = eomStep(m, buf[i++]!);
        if (m === EOM_MARKER.length) {
          this.#take(buf.subarray(0, i));
          this.#eomMatched = 0;
          this.#unshiftInput(buf.subarray(i));
          return this.#finish(EOM_MARKER.length);
        }
      }
      if (m > 0) {
        this.#take(buf);
        this.#eomMatched = m;
        this.#checkSize();
        continue;
      }
      this.#eomMatched = 0;
      const at = buf.indexOf(EOM_MARKER, i);
      if (at >= 0) {
        const end = at + EOM_MARKER.length;
        this.#take(buf.subarray(0, end));
        this.#unshiftInput(buf.subarray(end));
        return this.#finish(EOM_MARKER.length);
      }
      this.#take(buf);
      this.#eomMatched = trailingMarkerPrefix(buf);
      this.#checkSize();
    }
  }

  #checkSize(): void {
    // The end marker bytes are not message content, but counting them keeps the check simple and
    // errs by at most 6 bytes on the safe side.
    if (this.#messageBytes > this.maxMessageBytes + EOM_MARKER.length) {
      throw new FramingError(`message exceeds ${this.maxMessageBytes} bytes`);
    }
  }

  #nextChunked(): string | undefined {
    for (;;) {
      const buf = this.#consumeInput();
      if (!buf) return undefined;
      let i = 0;
      while (i < buf.length) {
        if (this.#state === Chunk.Data) {
          const n = Math.min(this.#remaining, buf.length - i);
          this.#take(buf.subarray(i, i + n));
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = Chunk.Lf;
          continue;
        }
        const c = buf[i++]!;
        switch (this.#state) {
          case Chunk.Lf:
            if (c !== LF) throw new FramingError(`expected LF before chunk header, got byte 0x${hex(c)}`);
            this.#state = Chunk.Hash;
            break;
          case Chunk.Hash:
            if (c !== HASH) throw new FramingError(`expected '#' in chunk header, got byte 0x${hex(c)}`);
            this.#state = Chunk.First;
            break;
          case Chunk.First:
            if (c === HASH) {
              if (this.#chunks === 0) throw new FramingError('end-of-chunks before any chunk');
              this.#state = Chunk.EndLf;
            } else if (c >= 0x31 && c <= 0x39) {
              this.#size = c - 0x30;
              this.#digits = 1;
              this.#state = Chunk.Digits;
            } else {
              throw new FramingError(`chunk size must start with 1-9, got byte 0x${hex(c)}`);
            }
            break;
          case Chunk.Digits:
            if (c === LF) {
              if (this.#messageBytes + this.#size > this.maxMessageBytes) {
                throw new FramingError(
                  `chunk of ${this.#size} bytes makes the message exceed ${this.maxMessageBytes} bytes`,
                );
              }
              this.#remaining = this.#size;
              this.#chunks++;
              this.#state = Chunk.Data;
            } else if (c >= 0x30 && c <= 0x39) {
              if (++this.#digits > MAX_CHUNK_DIGITS)
                throw new FramingError('chunk size longer than 10 digits');
              this.#size = this.#size * 10 + (c - 0x30);
              if (this.#size > 4_294_967_295) throw new FramingError('chunk size above 4294967295');
            } else {
              throw new FramingError(`bad byte 0x${hex(c)} in chunk size`);
            }
            break;
          case Chunk.EndLf: {
            if (c !== LF) throw new FramingError(`expected LF after end-of-chunks, got byte 0x${hex(c)}`);
            this.#state = Chunk.Lf;
            this.#chunks = 0;
            this.#unshiftInput(buf.subarray(i));
            return this.#finish();
          }
        }
      }
    }
  }
}

function hex(c: number): string {
  return c.toString(16).padStart(2, '0');
}

// KMP failure function of "]]>]]>".
const EOM_FAIL = [0, 1, 0, 1, 2, 3];

function eomStep(state: number, c: number): number {
  let s = state;
  while (s > 0 && c !== EOM_MARKER[s]) s = EOM_FAIL[s - 1]!;
  return c === EOM_MARKER[s] ? s + 1 : 0;
}

/** How many bytes at the end of `buf` are a proper prefix of the end-of-message marker. */
function trailingMarkerPrefix(buf: Buffer): number {
  for (let k = Math.min(EOM_MARKER.length - 1, buf.length); k > 0; k--) {
    let ok = true;
    for (let j = 0; j < k; j++) {
      if (buf[buf.length - k + j] !== EOM_MARKER[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return k;
  }
  return 0;
}

/** RFC 6242 §4.3 end-of-message framing. Refuses a message that contains the marker itself. */
export function encodeEom(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  if (body.indexOf(EOM_MARKER) >= 0) {
    throw new FramingError('message contains the end-of-message marker ]]>]]>');
  }
  return Buffer.concat([body, EOM_MARKER]);
}

const END_OF_CHUNKS = Buffer.from('\n##\n', 'latin1');

/** RFC 6242 §4.2 chunked framing, split into chunks of at most maxChunkBytes. */
export function encodeChunked(message: string, maxChunkBytes = 1024 * 1024): Buffer {
  const bytes = Buffer.byteLength(message, 'utf8');
  if (bytes === 0) throw new FramingError('cannot frame an empty message');
  if (bytes <= maxChunkBytes) {
    // Every RPC the agent sends fits one chunk: header, body and end marker written into one
    // buffer, instead of four buffers and a concatenation per RPC.
    const header = `\n#${bytes}\n`;
    const out = Buffer.allocUnsafe(header.length + bytes + END_OF_CHUNKS.length);
    let at = out.write(header, 0, 'latin1');
    at += out.write(message, at, 'utf8');
    END_OF_CHUNKS.copy(out, at);
    return out;
  }
  const body = Buffer.from(message, 'utf8');
  const parts: Buffer[] = [];
  for (let off = 0; off < body.length; off += maxChunkBytes) {
    const piece = body.subarray(off, Math.min(off + maxChunkBytes, body.length));
    parts.push(Buffer.from(`\n#${piece.length}\n`, 'latin1'), piece);
  }
  parts.push(END_OF_CHUNKS);
  return Buffer.concat(parts);
}

export function encode(message: string, framing: Framing): Buffer {
  return framing === 'eom' ? encodeEom(message) : encodeChunked(message);
}
