// The client half of bench:lab, in a process of its own so that the lab's process does nothing
// but answer: one net-snmp session per switch (made once, reused every round), one GET of every
// OID per switch, at most `parallel` switches in flight. Driven over IPC by bench/lab.ts:
//   → { type: 'setup', ports, oids, community, parallel }   ← { type: 'ready' }
//   → { type: 'round' }   ← { type: 'round', ms, varbinds, bad, failed }
import { Semaphore } from '../core/semaphore.js';
import { netSnmp, VarbindType } from '../drivers/transport/snmp.js';

interface Setup {
  type: 'setup';
  ports: number[];
  oids: string[];
  community: string;
  parallel: number;
}

type Session = ReturnType<typeof netSnmp.createSession>;
type Varbinds = { type: number }[];

let sessions: Session[] = [];
let setup: Setup | undefined;

function get(session: Session, oids: readonly string[]): Promise<Varbinds> {
  return new Promise((resolve, reject) => {
    session.get(oids, (err, vbs) => (err ? reject(err) : resolve((vbs ?? []) as Varbinds)));
  });
}

async function round(s: Setup): Promise<{ ms: number; varbinds: number; bad: number; failed: number }> {
  const pool = new Semaphore(s.parallel);
  let varbinds = 0;
  let bad = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    sessions.map((session) =>
      pool.run(async () => {
        try {
          const vbs = await get(session, s.oids);
          varbinds += vbs.length;
          for (const vb of vbs) {
            if (
              vb.type === VarbindType.NoSuchObject ||
              vb.type === VarbindType.NoSuchInstance ||
              vb.type === VarbindType.EndOfMibView
            )
              bad++;
          }
        } catch {
          failed++;
        }
      }),
    ),
  );
  return { ms: performance.now() - t0, varbinds, bad, failed };
}

process.on('message', (m: Setup | { type: 'round' } | { type: 'stop' }) => {
  if (m.type === 'setup') {
    setup = m;
    sessions = m.ports.map((port) =>
      netSnmp.createSession('127.0.0.1', m.community, {
        port,
        version: netSnmp.Version2c,
        timeout: 2_000,
        retries: 1,
      }),
    );
    process.send?.({ type: 'ready' });
  } else if (m.type === 'round' && setup) {
    void round(setup).then((r) => process.send?.({ type: 'round', ...r }));
  } else if (m.type === 'stop') {
    for (const s of sessions) s.close();
    process.disconnect();
  }
});
