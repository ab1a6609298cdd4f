import { api, el, follow, nav } from './common.js';

// The fleet: one cell per port, coloured by state, updated live from the events stream.

// The states in the server's order (most urgent first): the keys of the fleet's counts.
let stateOrder = [];
const main = document.getElementById('main');
const cells = new Map(); // connection id → cell element
// What the text filter looks in, per device and port: built on the first text filter, not at the
// first render, and kept here rather than as an attribute on ten thousand cells.
let searchText;
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
  // The title is the cell's accessible name as well as its tooltip.
  cell.title = cell.title.replace(/: [a-z-]+/, `: ${state}`);
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

function searchOf(device, port) {
  searchText ??= new Map(
    fleet.devices.flatMap((d) =>
      d.ports.map((p) => [
        `${d.id}\n${p.port}`,
        `${d.id} ${p.port} ${p.connectionId ?? ''} ${p.description ?? ''}`.toLowerCase(),
      ]),
    ),
  );
  return searchText.get(`${device}\n${port}`) ?? '';
}

function filterRow(row) {
  const text = filters.text.toLowerCase();
  const deviceOk = !filters.device || row.dataset.device === filters.device;
  let shown = 0;
  for (const c of row.querySelectorAll('.cell')) {
    const ok =
      deviceOk &&
      (!filters.state || c.dataset.state === filters.state) &&
      (!text || searchOf(row.dataset.device, c.dataset.port).includes(text));
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

/**
 * One port's cell. Built with the bare DOM calls: at 10,000 cells the generic el() and every
 * attribute show in the first render. Text reaches it only through properties, never markup.
 */
function portCell(d, p) {
  const cell = document.createElement('a');
  cell.className = `cell s-${p.state}`;
  cell.title = cellTitle(d, p);
  cell.setAttribute('data-state', p.state);
  cell.setAttribute('data-port', p.port);
  if (p.connectionId) {
    cell.href = `/connections/${encodeURIComponent(p.connectionId)}`;
    cell.setAttribute('data-connection', p.connectionId);
    cells.set(p.connectionId, cell);
  } else {
    // A free port is no link: a labelled picture of its state.
    cell.setAttribute('role', 'img');
  }
  return cell;
}

function render() {
  cells.clear();
  searchText = undefined;
  const rows = fleet.devices.map((d) => {
    const row = document.createElement('div');
    row.className = 'device';
    row.dataset.device = d.id;
    const box = document.createElement('div');
    box.className = 'cells';
    box.append(...d.ports.map((p) => portCell(d, p)));
    row.append(el('div', { class: 'name', title: d.id }, d.id), box);
    return row;
  });
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
  if (refresh === undefined) {
    refresh = setTimeout(() => {
      refresh = undefined;
      void load();
    }, 2000);
  }
}

async function load() {
  try {
    const t0 = performance.now();
    fleet = await api('/api/fleet');
    const t1 = performance.now();
    stateOrder = Object.keys(fleet.counts);
    tally = { ...fleet.counts };
    render();
    // For people and benchmarks asking where a page's time goes, all on the page's own clock from
    // the start of navigation: the HTML, the parse, the fleet's (preloaded) fetch, the script's
    // start, and `paintedMs`, the frame after the one that drew every cell.
    const [nav] = performance.getEntriesByType('navigation');
    const [apiEntry] = performance.getEntriesByName(new URL('/api/fleet', location.href).href);
    const timings = {
      htmlMs: nav?.responseEnd,
      domInteractiveMs: nav?.domInteractive,
      apiStartMs: apiEntry?.startTime,
      apiEndMs: apiEntry?.responseEnd,
      startMs: t0,
      fetchMs: t1 - t0,
      renderMs: performance.now() - t1,
    };
    window.dcagentTimings = timings;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        timings.paintedMs ??= performance.now();
      }),
    );
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
