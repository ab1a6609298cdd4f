import { api, el, follow, nav } from './common.js';

// The fleet: one cell per port, coloured by state, updated live from the events stream.

// The states in the server's order (most urgent first): the keys of the fleet's counts.
let stateOrder = [];
const main = document.getElementById('main');
const cells = new Map(); // connection id → cell element
const filters = { device: '', state: '', text: '' };
let fleet;
let refresh;

function cellTitle(d, p) {
  const rx = p.rxDbm.length
    ? ` rx ${p.rxDbm.map((v) => (v === null ? '—' : v.toFixed(1))).join(' ')} dBm`
    : '';
  return `${d.id} ${p.port}${p.connectionId ? ` ${p.connectionId}` : ''}: ${p.state}${rx}`;
}

/** Cells per state, kept as cells change, so an event costs one cell's work, not ten thousand's. */
let tally = {};
let countsDrawn = true;

function setState(cell, state) {
  const old = cell.dataset.state;
  if (old === state) return;
  tally[old] = (tally[old] ?? 1) - 1;
  tally[state] = (tally[state] ?? 0) + 1;
  cell.className = `cell s-${state}`;
  cell.dataset.state = state;
  cell.title = cell.title.replace(/: [a-z-]+/, `: ${state}`);
  cell.setAttribute('aria-label', cell.title);
  if (filters.device || filters.state || filters.text) filterRow(cell.closest('.device'));
  // One redraw of the counts per frame, however many events the frame brought.
  if (countsDrawn) {
    countsDrawn = false;
    requestAnimationFrame(() => {
      countsDrawn = true;
      counts();
    });
  }
}

function filterRow(row) {
  const text = filters.text.toLowerCase();
  const deviceOk = !filters.device || row.dataset.device === filters.device;
  let shown = 0;
  for (const c of row.querySelectorAll('.cell')) {
    const ok =
      deviceOk &&
      (!filters.state || c.dataset.state === filters.state) &&
      (!text || (c.dataset.search ?? '').includes(text));
    c.hidden = !ok;
    if (ok) shown++;
  }
  row.hidden = shown === 0;
}

function applyFilters() {
  for (const row of main.querySelectorAll('.device')) filterRow(row);
}

function counts() {
  const n = tally;
  const bar = document.getElementById('counts');
  bar.replaceChildren(
    ...stateOrder
      .filter((s) => n[s] > 0)
      .map((s) =>
        el(
          'span',
          {
            class: `count s-${s}`,
            'data-count': s,
            onclick: () => setFilter('state', filters.state === s ? '' : s),
          },
          `${s} ${n[s]}`,
        ),
      ),
  );
}

function setFilter(key, value) {
  filters[key] = value;
  const input = document.getElementById(`f-${key}`);
  if (input) input.value = value;
  applyFilters();
}

function render() {
  cells.clear();
  const rows = fleet.devices.map((d) =>
    el(
      'div',
      { class: 'device', 'data-device': d.id },
      el('div', { class: 'name', title: d.id }, d.id),
      el(
        'div',
        { class: 'cells' },
        d.ports.map((p) => {
          const cell = el('a', {
            class: `cell s-${p.state}`,
            href: p.connectionId ? `/connections/${encodeURIComponent(p.connectionId)}` : undefined,
            title: cellTitle(d, p),
            'aria-label': cellTitle(d, p),
            // A free port is no link: a labelled picture of its state.
            role: p.connectionId ? undefined : 'img',
            'data-state': p.state,
            'data-port': p.port,
            'data-connection': p.connectionId ?? undefined,
          });
          cell.dataset.search =
            `${d.id} ${p.port} ${p.connectionId ?? ''} ${p.description ?? ''}`.toLowerCase();
          if (p.connectionId) cells.set(p.connectionId, cell);
          return cell;
        }),
      ),
    ),
  );
  const deviceSelect = el(
    'select',
    { id: 'f-device', 'aria-label': 'device', onchange: (e) => setFilter('device', e.target.value) },
    el('option', { value: '' }, 'all devices'),
    fleet.devices.map((d) => el('option', { value: d.id }, d.id)),
  );
  const stateSelect = el(
    'select',
    { id: 'f-state', 'aria-label': 'state', onchange: (e) => setFilter('state', e.target.value) },
    el('option', { value: '' }, 'all states'),
    stateOrder.map((s) => el('option', { value: s }, s)),
  );
  const text = el('input', {
    id: 'f-text',
    type: 'search',
    'aria-label': 'filter by connection, port or description',
    placeholder: 'connection, port or description',
    oninput: (e) => setFilter('text', e.target.value),
  });
  main.replaceChildren(
    el('h1', {}, 'Fleet'),
    el(
      'div',
      { class: 'bar' },
      deviceSelect,
      stateSelect,
      text,
      el('span', { id: 'live', class: 'muted' }, ''),
    ),
    el('div', { class: 'bar', id: 'counts' }),
    el('div', { id: 'devices' }, rows),
  );
  deviceSelect.value = filters.device;
  stateSelect.value = filters.state;
  text.value = filters.text;
  counts();
  if (filters.device || filters.state || filters.text) applyFilters();
}

/** Stream ids (`ms-seq`) in order. */
function newer(a, b) {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am > bm || (am === bm && as > bs);
}

/**
 * Events seen lately, so a snapshot read while they were on their way is brought up to date with
 * them instead of undoing them (the server applies an event a moment after the page sees it).
 */
const recent = [];
const RECENT_KEPT = 5000;

/** What an event says of a cell at once; the next full read settles the rest (drift, staleness). */
function patch(ev) {
  const cell = cells.get(ev.subject);
  if (!cell) return;
  if (ev.type === 'availability.changed') setState(cell, ev.data.to);
  else if (ev.type === 'construction.completed') setState(cell, 'available');
  else if (ev.type === 'drift.detected') setState(cell, 'drift');
  else if (ev.type === 'optics.degrading' && cell.dataset.state === 'available') setState(cell, 'degrading');
  else if (ev.type === 'monitoring.degraded') setState(cell, 'stale');
}

function onEvent(ev, id) {
  window.dcagentEventsSeen = (window.dcagentEventsSeen ?? 0) + 1;
  recent.push({ id, ev });
  if (recent.length > RECENT_KEPT) recent.splice(0, recent.length - RECENT_KEPT);
  patch(ev);
  document.getElementById('live').textContent = `live · last event ${ev.type} ${ev.time}`;
  // New connections, removals and slower facts: one full read at most every few seconds, however
  // busy the stream.
  refresh ??= setTimeout(() => {
    refresh = undefined;
    void load();
  }, 2000);
}

async function load() {
  try {
    const t0 = performance.now();
    fleet = await api('/api/fleet');
    const t1 = performance.now();
    stateOrder = Object.keys(fleet.counts);
    tally = { ...fleet.counts };
    render();
    // For people and benchmarks asking where a page's time goes.
    window.dcagentTimings = { fetchMs: t1 - t0, renderMs: performance.now() - t1 };
    for (const r of recent) if (newer(r.id, fleet.streamId)) patch(r.ev);
    return fleet.streamId;
  } catch (err) {
    main.replaceChildren(el('p', { class: 'error' }, `cannot read the fleet: ${err.message}`));
    return undefined;
  }
}

nav('/');
const head = await load();
follow(head ? { after: head } : {}, onEvent);
