import uPlot from '/vendor/uplot/uPlot.esm.js';
import { api, el, follow, nav, show, summary, when } from './common.js';

// One connection's story: state and verdict, intent against the last audit, module, lanes, light
// over time against the module's bands, the event timeline and its jobs.

const main = document.getElementById('main');
const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
const LANE_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
const BOUNDS = [
  ['highAlarm', 'high alarm', '#d64545', [6, 3]],
  ['highWarning', 'high warning', '#e0a526', [4, 4]],
  ['lowWarning', 'low warning', '#e0a526', [4, 4]],
  ['lowAlarm', 'low alarm', '#d64545', [6, 3]],
];
/** What the charts hold, for people reading the page's data and for the browser tests. */
window.dcagentCharts = {};

const fmt = (v) => (v === null || v === undefined ? '—' : Number(v).toFixed(2));

/** The port's ifInErrors: its value, the last rise the agent saw, and since when it has counted. */
function errorCounterText(c) {
  if (!c) return null;
  const rise = c.lastGrowth ? `last rose by ${c.lastGrowth.by} at ${when(c.lastGrowth.at)}` : 'no rise seen';
  return `ifInErrors ${c.value}: ${rise}; counting since ${when(c.since)}`;
}

function kv(rows) {
  return el(
    'table',
    {},
    rows.map(([k, v, cls]) => el('tr', { class: cls }, el('th', {}, k), el('td', {}, v ?? '—'))),
  );
}

/** The series of one direction: a line per lane, each bound, each lane's baseline, and a forecast while a trend is open. */
function chartModel(doc, dir) {
  const key = dir === 'rx' ? 'rxDbm' : 'txDbm';
  const times = [...new Set(doc.history.points.map((p) => p.t))].sort((a, b) => a - b);
  const lanes = [...new Set(doc.history.points.map((p) => p.lane))].sort((a, b) => a - b);
  const forecast = [];
  if (dir === 'rx') {
    for (const l of doc.lanes) {
      // The agent's own judgement (the diagnosis behind `status`): degrading, with hours to the alarm bound.
      if (!l.trend || l.trend.hoursToAlarm === null || times.length === 0) continue;
      forecast.push({
        lane: l.lane,
        from: times[times.length - 1],
        hours: l.trend.hoursToAlarm,
        slope: l.trend.slopeDbPerDay,
      });
    }
  }
  const extra = forecast.map((f) => f.from + f.hours * 3_600_000);
  const xs = [...times, ...extra].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const series = [];
  for (const lane of lanes) {
    const ys = new Array(xs.length).fill(null);
    for (const p of doc.history.points) if (p.lane === lane) ys[index.get(p.t)] = p[key];
    series.push({ label: `lane ${lane}`, lane, kind: 'light', ys });
  }
  const bounds = doc.lanes[0]?.thresholds?.[dir] ?? null;
  for (const [k, label] of BOUNDS) {
    if (bounds && bounds[k] !== null && bounds[k] !== undefined) {
      series.push({ label, kind: 'band', bound: k, value: bounds[k], ys: xs.map(() => bounds[k]) });
    }
  }
  for (const l of doc.lanes) {
    const b = l.baseline?.[key];
    if (b !== null && b !== undefined)
      series.push({
        label: `lane ${l.lane} baseline`,
        lane: l.lane,
        kind: 'baseline',
        value: b,
        ys: xs.map(() => b),
      });
  }
  for (const f of forecast) {
    const ys = new Array(xs.length).fill(null);
    const last = doc.history.points.filter((p) => p.lane === f.lane && p.t === f.from)[0]?.rxDbm ?? null;
    if (last === null) continue;
    ys[index.get(f.from)] = last;
    ys[index.get(f.from + f.hours * 3_600_000)] = last + (f.slope * f.hours) / 24;
    series.push({ label: `lane ${f.lane} forecast`, lane: f.lane, kind: 'forecast', ys });
  }
  return { source: doc.history.source, xs, series, bounds };
}

function drawChart(container, title, model) {
  window.dcagentCharts[title] = {
    source: model.source,
    bounds: model.bounds,
    series: model.series.map((s) => ({
      label: s.label,
      kind: s.kind,
      lane: s.lane,
      bound: s.bound,
      value: s.value,
      points: s.ys.filter((v) => v !== null).length,
    })),
  };
  if (model.xs.length === 0) {
    container.append(el('p', { class: 'muted' }, `${title}: no history yet (source ${model.source})`));
    return;
  }
  const style = (s) => {
    if (s.kind === 'light')
      return { stroke: LANE_COLOURS[(s.lane - 1) % LANE_COLOURS.length], width: 1.5, spanGaps: false };
    if (s.kind === 'band') {
      const b = BOUNDS.find((x) => x[0] === s.bound);
      return { stroke: b[2], dash: b[3], width: 1, points: { show: false } };
    }
    if (s.kind === 'baseline') return { stroke: '#8a8f98', dash: [2, 4], width: 1, points: { show: false } };
    return { stroke: '#9b59b6', dash: [8, 4], width: 2, spanGaps: true };
  };
  const opts = {
    title: `${title} dBm (${model.source})`,
    width: Math.min(900, container.clientWidth || 900),
    height: 260,
    scales: { x: { time: true } },
    series: [{}, ...model.series.map((s) => ({ label: s.label, ...style(s) }))],
    axes: [{}, { label: 'dBm' }],
  };
  const data = [model.xs.map((t) => t / 1000), ...model.series.map((s) => s.ys)];
  const box = el('div', { class: 'chart', 'data-chart': title });
  container.append(box);
  new uPlot(opts, data, box);
}

function timeline(events) {
  return el(
    'ol',
    { class: 'timeline' },
    events.map((ev) =>
      el(
        'li',
        { 'data-type': ev.type },
        el('time', {}, when(ev.time)),
        ' ',
        el('strong', {}, ev.type),
        ' ',
        summary(ev),
        el('details', {}, el('summary', {}, 'evidence'), el('pre', {}, JSON.stringify(ev.data, null, 2))),
      ),
    ),
  );
}

function intentAudit(doc) {
  const drifted = new Set(doc.drifts.map((d) => d.field));
  const i = doc.intent;
  const rows = [
    ['intent', i ? `${i.state} (job ${i.jobId}, ${when(i.time)})` : null],
    ['description', i?.description, drifted.has('description') ? 'drifted' : undefined],
    ['port type', i?.portType],
    ['bandwidth', i?.bandwidthMbps ? `${i.bandwidthMbps} Mb/s` : null],
    ['last audit', doc.lastAudit ? when(doc.lastAudit.time) : 'never'],
  ];
  for (const d of doc.drifts) {
    rows.push([
      `drift: ${d.field}`,
      `expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)}`,
      'drifted',
    ]);
  }
  return kv(rows);
}

function lanesTable(doc) {
  return el(
    'table',
    {},
    el(
      'tr',
      {},
      ['lane', 'Rx dBm', 'Rx state', 'Tx dBm', 'Tx state', 'Rx bounds', 'baseline Rx', 'trend'].map((h) =>
        el('th', {}, h),
      ),
    ),
    doc.lanes.map((l) =>
      el(
        'tr',
        { 'data-lane': l.lane },
        el('td', { class: 'num' }, l.lane),
        el('td', { class: 'num' }, fmt(l.rxDbm)),
        el('td', {}, l.rxState ?? '—'),
        el('td', { class: 'num' }, fmt(l.txDbm)),
        el('td', {}, l.txState ?? '—'),
        el(
          'td',
          {},
          l.thresholds
            ? `${fmt(l.thresholds.rx.lowAlarm)} / ${fmt(l.thresholds.rx.lowWarning)} … ${fmt(l.thresholds.rx.highWarning)} / ${fmt(l.thresholds.rx.highAlarm)}`
            : '—',
        ),
        el('td', { class: 'num' }, fmt(l.baseline?.rxDbm)),
        el(
          'td',
          {},
          l.trend
            ? `${l.trend.slopeDbPerDay} dB/day${l.trend.hoursToAlarm !== null ? `, alarm in ${l.trend.hoursToAlarm} h` : ''}`
            : '—',
        ),
      ),
    ),
  );
}

async function render() {
  let doc;
  try {
    doc = await api(`/api/connections/${encodeURIComponent(id)}`);
  } catch (err) {
    main.replaceChildren(el('h1', {}, id), el('p', { class: 'error' }, err.message));
    return;
  }
  const m = doc.module;
  const charts = el('div', { id: 'charts' });
  const auditButton = el(
    'button',
    {
      id: 'audit-now',
      type: 'button',
      onclick: async () => {
        try {
          const r = await api('/api/audit', {
            method: 'POST',
            body: JSON.stringify({ device: doc.device, port: doc.port, connectionId: doc.connectionId }),
          });
          auditButton.after(el('span', { class: 'muted' }, ` enqueued ${r.jobId}`));
        } catch (err) {
          auditButton.after(el('span', { class: 'error' }, ` ${err.message}`));
        }
      },
    },
    'Audit now',
  );
  show(
    main,
    el('h1', {}, `${doc.connectionId} · ${doc.device} ${doc.port}`),
    el(
      'p',
      { class: 'verdict', id: 'verdict', 'data-state': doc.state },
      `${doc.state}: ${doc.verdict ?? 'no verdict (no good poll yet)'}`,
    ),
    el(
      'div',
      { class: 'grid2' },
      el('section', {}, el('h2', {}, 'Intent and last audit'), intentAudit(doc), auditButton),
      el(
        'section',
        {},
        el('h2', {}, 'Port'),
        kv([
          ['description', doc.description],
          ['tracked since', when(doc.since)],
          [
            'last poll',
            doc.lastPoll
              ? doc.lastPoll.ok
                ? `${doc.lastPoll.adminStatus}/${doc.lastPoll.operStatus} at ${when(doc.lastPoll.at)}`
                : `failed ${doc.lastPoll.reason} at ${when(doc.lastPoll.at)}`
              : null,
          ],
          ['module', m ? `${m.vendor ?? '?'} ${m.part ?? '?'} serial ${m.serial ?? '?'}` : null],
          ['thresholds from', doc.thresholdSource],
          [
            'input errors (construction)',
            doc.qualification
              ? `${doc.qualification.errors} in ${doc.qualification.erroredPolls} polls`
              : null,
          ],
          ['input errors', errorCounterText(doc.errorCounter)],
          ['jobs', doc.jobs.length ? doc.jobs.join(', ') : null],
        ]),
      ),
    ),
    el('h2', {}, 'Lanes'),
    lanesTable(doc),
    el('h2', {}, 'Light'),
    doc.history.prometheusError ? el('p', { class: 'error' }, doc.history.prometheusError) : null,
    charts,
    el('h2', {}, `Timeline (${doc.events.length} events)`),
    timeline(doc.events),
    el(
      'p',
      {},
      doc.jobs.map((j) => el('a', { href: `/jobs?id=${encodeURIComponent(j)}` }, `job ${j} `)),
    ),
  );
  window.dcagentCharts = {};
  drawChart(charts, 'rx', chartModel(doc, 'rx'));
  drawChart(charts, 'tx', chartModel(doc, 'tx'));
  document.body.dataset.loaded = String(Date.now());
  return doc.streamId;
}

nav('');
const streamId = await render();
let again;
// From the position the page was read at: an event written meanwhile still redraws it.
follow({ connection: id, ...(streamId ? { after: streamId } : {}) }, () => {
  clearTimeout(again);
  again = setTimeout(render, 1000);
});
