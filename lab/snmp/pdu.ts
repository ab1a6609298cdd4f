import { berReader, berWriter, encodeVarbind, type MibView, TAG, toArcs } from './mib-view.js';

// The SNMP v1/v2c messages the lab's agent reads and writes, and its answer to one request from
// a MIB view: GET, GETNEXT, GETBULK, and SET refused. No socket here (agent.ts has it).

/** RFC 3416 error-status values the lab answers with. */
const ERR = { tooBig: 1, noSuchName: 2, notWritable: 17 } as const;

/** Largest reply the lab sends: what fits in one UDP datagram with room to spare. */
const MAX_REPLY_BYTES = 65_000;
const MAX_BULK_VARBINDS = 1_000;

export interface SnmpRequest {
  version: number;
  community: Buffer;
  pduType: number;
  requestId: number;
  nonRepeaters: number;
  maxRepetitions: number;
  oids: string[];
}

/** Decodes a v1/v2c message; null for anything else (v3, garbage). */
export function decodeRequest(msg: Buffer): SnmpRequest | null {
  try {
    const r = berReader(msg);
    if (r.readSequence(TAG.Sequence) === null) return null;
    const version = r.readInt(TAG.Integer);
    if (version !== 0 && version !== 1) return null;
    const community = r.readString(TAG.OctetString, true);
    const pduType = r.peek();
    if (community === null || pduType === null || r.readSequence(pduType) === null) return null;
    const requestId = r.readInt(TAG.Integer);
    const f2 = r.readInt(TAG.Integer);
    const f3 = r.readInt(TAG.Integer);
    if (requestId === null || f2 === null || f3 === null || r.readSequence(TAG.Sequence) === null)
      return null;
    const end = r.offset + r.length;
    const oids: string[] = [];
    while (r.offset < end) {
      if (r.readSequence(TAG.Sequence) === null) return null;
      const oid = r.readOID();
      const valueTag = r.peek();
      if (oid === null || valueTag === null || r.readString(valueTag, true) === null) return null;
      oids.push(oid);
    }
    return { version, community, pduType, requestId, nonRepeaters: f2, maxRepetitions: f3, oids };
  } catch {
    return null;
  }
}

function encodeResponse(
  req: SnmpRequest,
  varbinds: readonly Buffer[],
  errorStatus = 0,
  errorIndex = 0,
): Buffer {
  let size = 64 + req.community.length;
  for (const v of varbinds) size += v.length;
  const w = berWriter(size);
  w.startSequence();
  w.writeInt(req.version, TAG.Integer);
  w.writeBuffer(req.community, TAG.OctetString);
  w.startSequence(TAG.Response);
  w.writeInt(req.requestId, TAG.Integer);
  w.writeInt(errorStatus, TAG.Integer);
  w.writeInt(errorIndex, TAG.Integer);
  w.startSequence();
  for (const v of varbinds) w.writeBuffer(v);
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

const nullVarbind = (oid: string, tag: number = TAG.Null) => encodeVarbind(oid, { tag });

function parentOid(oid: string): string {
  return oid.slice(0, Math.max(0, oid.lastIndexOf('.')));
}

/** Answers one request from a view; null when nothing should be sent. */
export function answer(view: MibView, req: SnmpRequest): Buffer | null {
  const v1 = req.version === 0;
  const out: Buffer[] = [];
  switch (req.pduType) {
    case TAG.GetRequest:
      for (let i = 0; i < req.oids.length; i++) {
        const oid = req.oids[i]!;
        const vb = view.get(oid);
        if (vb) {
          out.push(vb);
          continue;
        }
        if (v1)
          return encodeResponse(
            req,
            req.oids.map((o) => nullVarbind(o)),
            ERR.noSuchName,
            i + 1,
          );
        // noSuchInstance when the object type exists (something lives under its column).
        const parent = parentOid(oid);
        const after = view.next(toArcs(parent));
        const known = after?.oid.startsWith(`${parent}.`) === true;
        out.push(nullVarbind(oid, known ? TAG.NoSuchInstance : TAG.NoSuchObject));
      }
      break;
    case TAG.GetNextRequest:
      for (let i = 0; i < req.oids.length; i++) {
        const next = view.next(toArcs(req.oids[i]!));
        if (next) out.push(next.varbind);
        else if (v1)
          return encodeResponse(
            req,
            req.oids.map((o) => nullVarbind(o)),
            ERR.noSuchName,
            i + 1,
          );
        else out.push(nullVarbind(req.oids[i]!, TAG.EndOfMibView));
      }
      break;
    case TAG.GetBulkRequest: {
      if (v1) return null;
      const nonRep = Math.min(Math.max(0, req.nonRepeaters), req.oids.length);
      const reps = Math.max(0, req.maxRepetitions);
      let bytes = 0;
      const push = (vb: Buffer): boolean => {
        if (out.length >= MAX_BULK_VARBINDS || bytes + vb.length > MAX_REPLY_BYTES) return false;
        out.push(vb);
        bytes += vb.length;
        return true;
      };
      for (let i = 0; i < nonRep; i++) {
        const next = view.next(toArcs(req.oids[i]!));
        push(next ? next.varbind : nullVarbind(req.oids[i]!, TAG.EndOfMibView));
      }
      const cursors = req.oids
        .slice(nonRep)
        .map((o) => ({ oid: o, arcs: toArcs(o) as readonly number[], done: false }));
      for (let r = 0; r < reps && cursors.some((c) => !c.done); r++) {
        for (const c of cursors) {
          const next = c.done ? undefined : view.next(c.arcs);
          let vb: Buffer;
          if (next) {
            c.oid = next.oid;
            c.arcs = next.arcs;
            vb = next.varbind;
          } else {
            c.done = true;
            vb = nullVarbind(c.oid, TAG.EndOfMibView);
          }
          if (!push(vb)) return encodeResponse(req, out);
        }
      }
      break;
    }
    case TAG.SetRequest:
      return encodeResponse(
        req,
        req.oids.map((o) => nullVarbind(o)),
        v1 ? ERR.noSuchName : ERR.notWritable,
        1,
      );
    default:
      return null;
  }
  const reply = encodeResponse(req, out);
  return reply.length > MAX_REPLY_BYTES ? encodeResponse(req, [], ERR.tooBig, 0) : reply;
}
