import { api, el, follow, nav, summary, when } from './common.js';

// The events stream with filters; new events arrive live at the bottom.

const main = document.getElementById('main');
const params = new URLSearchParams(location.search);
const query = Object.fromEntries(
  ['type', 'connection', 'device'].filter((k) => params.get(k)).map((k) => [k, params.get(k)]),
);
const list = el('ol', { class: 'timeline', id: 'events' });

function row(ev, streamId) {
  return el(
    'li',
    { 'data-id': streamId, 'data-type': ev.type },
    el('time', {}, when(ev.time)),
    ' ',
    el('strong', {}, ev.type),
    ' ',
    // Events about a device (`device:…`) or an unreadable job (`job-…`) have no connection page.
    /^(device:|job-)/.test(ev.subject)
      ? ev.subject
      : el('a', { href: `/connections/${encodeURIComponent(ev.subject)}` }, ev.subject),
    ' ',
    summary(ev),
    el('details', {}, el('summary', {}, 'event'), el('pre', {}, JSON.stringify(ev, null, 2))),
  );
}

const form = el(
  'form',
  { class: 'inline', method: 'get', action: '/events' },
  ['type', 'connection', 'device'].map((k) =>
    el('label', {}, `${k} `, el('input', { name: k, value: query[k] ?? '' })),
  ),
  el('button', { type: 'submit' }, 'Filter'),
);

nav('/events');
main.replaceChildren(el('h1', {}, 'Events'), form, list);
try {
  const { events, head } = await api(`/api/events?${new URLSearchParams({ ...query, limit: '500' })}`);
  list.replaceChildren(...events.map((e) => row(e.event, e.streamId)));
  follow({ ...query, after: head }, (ev, streamId) => list.append(row(ev, streamId)));
} catch (err) {
  list.replaceChildren(el('li', { class: 'error' }, err.message));
}
