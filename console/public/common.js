// Shared by every page. Strings from devices, jobs and events only ever reach the page as text nodes.

/** An element with attributes and children; strings become text nodes, never markup. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Replaces a node's children, skipping the null/undefined/false of optional parts. */
export function show(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

export async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: { accept: 'application/json', ...(options.body ? { 'content-type': 'application/json' } : {}) },
    credentials: 'same-origin',
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

export function nav(here) {
  const links = [
    ['/', 'Fleet'],
    ['/plan', 'Plan'],
    ['/jobs', 'Jobs'],
    ['/events', 'Events'],
  ];
  document.body.prepend(
    el(
      'header',
      {},
      el('strong', {}, 'dcagent'),
      links.map(([href, text]) => el('a', { href, class: href === here ? 'here' : undefined }, text)),
    ),
  );
}

export function when(iso) {
  return iso
    ? new Date(iso)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '-';
}

/** One line about an event, from its data, for timelines and the events list. */
export function summary(ev) {
  const d = ev.data ?? {};
  const parts = [];
  for (const k of [
    'device',
    'port',
    'to',
    'reason',
    'code',
    'cause',
    'lane',
    'direction',
    'dbm',
    'message',
  ]) {
    if (d[k] !== undefined && d[k] !== null)
      parts.push(`${k}=${typeof d[k] === 'object' ? JSON.stringify(d[k]) : d[k]}`);
  }
  return parts.join(' ');
}

/** Follows the events stream; the browser resumes from the last id it saw (Last-Event-ID) by itself. */
export function follow(query, onEvent) {
  const source = new EventSource(`/api/events/stream?${new URLSearchParams(query)}`);
  // Away too long to catch up: the server says so, and the page starts afresh.
  source.addEventListener('reset', () => location.reload());
  source.onmessage = (m) => {
    try {
      onEvent(JSON.parse(m.data), m.lastEventId);
    } catch {
      // not an event: ignored
    }
  };
  return source;
}
