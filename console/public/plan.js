import { api, el, nav } from './common.js';

// The dry run, as `dcagent plan --json` does it (the same code on the server): payload and diff.

const main = document.getElementById('main');
const params = new URLSearchParams(location.search);

function field(name, label, attrs = {}) {
  return el('label', {}, `${label} `, el('input', { name, value: params.get(name) ?? '', ...attrs }));
}

function diffView(text) {
  return el(
    'pre',
    { class: 'diff', id: 'diff' },
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => {
        const cls =
          l.startsWith('+++') || l.startsWith('---')
            ? 'head'
            : l.startsWith('+')
              ? 'add'
              : l.startsWith('-')
                ? 'del'
                : l.startsWith('@@')
                  ? 'hunk'
                  : undefined;
        return el('div', { class: cls }, l);
      }),
  );
}

const out = el('section', { id: 'result' });
const form = el(
  'form',
  { class: 'inline', id: 'plan-form' },
  el(
    'label',
    {},
    'operation ',
    el(
      'select',
      { name: 'operation' },
      el('option', { value: 'provision' }, 'provision'),
      el('option', { value: 'deprovision' }, 'deprovision'),
    ),
  ),
  field('device', 'device', { required: true }),
  field('port', 'port', { required: true }),
  field('connectionId', 'connection', { required: true }),
  field('description', 'description'),
  el(
    'label',
    {},
    el('input', { type: 'checkbox', name: 'offline' }),
    ' offline (no device contact, no diff)',
  ),
  el('button', { type: 'submit' }, 'Plan'),
);
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(form);
  const body = {
    operation: f.get('operation'),
    device: f.get('device'),
    port: f.get('port'),
    connectionId: f.get('connectionId'),
    ...(f.get('description') && f.get('operation') === 'provision'
      ? { description: f.get('description') }
      : {}),
    ...(f.get('offline') ? { offline: true } : {}),
  };
  out.replaceChildren(el('p', { class: 'muted' }, 'reading the port from the device…'));
  try {
    const p = await api('/api/plan', { method: 'POST', body: JSON.stringify(body) });
    window.dcagentPlan = p;
    out.replaceChildren(
      el('h2', {}, `plan ${p.operation} ${p.connectionId}: ${p.device} ${p.port} (${p.platform})`),
      el(
        'p',
        {},
        p.changes === 0
          ? 'diff: none, the port already matches (nothing would be sent)'
          : `diff: ${p.changes} changed line${p.changes === 1 ? '' : 's'}`,
      ),
      diffView(p.diff),
      el('h2', {}, p.rpc.startsWith('<') ? 'RPC' : 'commands'),
      el('pre', { id: 'rpc' }, p.rpc || '(none)'),
    );
    out.dataset.done = 'ok';
  } catch (err) {
    out.replaceChildren(el('p', { class: 'error', id: 'plan-error' }, err.message));
    out.dataset.done = 'error';
  }
});
if (params.get('operation')) form.elements.operation.value = params.get('operation');

nav('/plan');
main.replaceChildren(
  el('h1', {}, 'Plan'),
  el('p', { class: 'muted' }, 'Reads the port (no lock, no edit) and shows the exact payload and the diff.'),
  form,
  out,
);
