import { api, el, nav, show, when } from './common.js';

// The queue, read-only apart from two actions: retry a failed job, enqueue an audit.

const main = document.getElementById('main');
const params = new URLSearchParams(location.search);
const list = el('section', { id: 'jobs' });
let state = params.get('state') ?? '';

async function retry(id, button) {
  button.disabled = true;
  try {
    await api(`/api/jobs/${encodeURIComponent(id)}/retry`, { method: 'POST', body: '{}' });
    await load();
  } catch (err) {
    button.after(el('span', { class: 'error' }, ` ${err.message}`));
  }
}

async function load() {
  try {
    const { jobs } = await api(`/api/jobs?${new URLSearchParams(state ? { state } : {})}`);
    const only = params.get('id');
    const shown = only ? jobs.filter((j) => j.id === only) : jobs;
    show(
      list,
      el(
        'table',
        {},
        el(
          'tr',
          {},
          [
            'id',
            'name',
            'state',
            'connection',
            'device',
            'port',
            'attempts',
            'created',
            'finished',
            'failed reason',
            '',
          ].map((h) => el('th', {}, h)),
        ),
        shown.map((j) => {
          const button =
            j.state === 'failed'
              ? el('button', { type: 'button', onclick: () => retry(j.id, button) }, 'retry')
              : null;
          return el(
            'tr',
            { 'data-job': j.id, 'data-state': j.state },
            el('td', {}, j.id),
            el('td', {}, j.name),
            el('td', {}, j.state),
            el(
              'td',
              {},
              j.connectionId
                ? el('a', { href: `/connections/${encodeURIComponent(j.connectionId)}` }, j.connectionId)
                : '—',
            ),
            el('td', {}, j.device ?? '—'),
            el('td', {}, j.port ?? '—'),
            el('td', { class: 'num' }, `${j.attemptsMade}/${j.attemptsMax}`),
            el('td', {}, when(j.createdAt)),
            el('td', {}, when(j.finishedAt)),
            el('td', {}, j.failedReason ?? ''),
            el('td', {}, button),
          );
        }),
      ),
      shown.length === 0 ? el('p', { class: 'muted' }, 'no jobs') : null,
    );
  } catch (err) {
    list.replaceChildren(el('p', { class: 'error' }, err.message));
  }
}

const stateSelect = el(
  'select',
  {
    'aria-label': 'state',
    onchange: (e) => {
      state = e.target.value;
      void load();
    },
  },
  ['', 'waiting', 'active', 'delayed', 'failed', 'completed'].map((s) =>
    el('option', { value: s }, s || 'all states'),
  ),
);
stateSelect.value = state;
const auditForm = el(
  'form',
  { class: 'inline', id: 'audit-form' },
  el('label', {}, 'device ', el('input', { name: 'device', required: true })),
  el('label', {}, 'port ', el('input', { name: 'port' })),
  el('button', { type: 'submit' }, 'Enqueue audit'),
  el('span', { id: 'audit-result' }),
);
auditForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(auditForm);
  const result = document.getElementById('audit-result');
  try {
    const r = await api('/api/audit', {
      method: 'POST',
      body: JSON.stringify({ device: f.get('device'), ...(f.get('port') ? { port: f.get('port') } : {}) }),
    });
    result.replaceChildren(el('span', { class: 'muted' }, ` enqueued ${r.jobId}`));
    await load();
  } catch (err) {
    result.replaceChildren(el('span', { class: 'error' }, ` ${err.message}`));
  }
});

nav('/jobs');
main.replaceChildren(el('h1', {}, 'Jobs'), el('div', { class: 'bar' }, stateSelect, auditForm), list);
await load();
