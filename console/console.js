// The officer console of `motcua serve`: a queue and a dossier page over the JSON API
// (docs/api.md). Plain JavaScript, no library, no build step. The token lives in this tab's
// sessionStorage and goes out only as a bearer token to this server.
'use strict';

const $ = (sel) => document.querySelector(sel);
let me = null; // the token's actor, roles and agency

function token() { return sessionStorage.getItem('motcua-token'); }

async function call(method, path, body) {
  const opts = { method, headers: { Authorization: 'Bearer ' + token() } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const data = await res.json();
  if (!res.ok) {
    const err = new Error(data.message || res.statusText);
    err.code = data.error;
    err.status = res.status;
    throw err;
  }
  return data;
}

function show(id) {
  for (const s of ['login', 'queue', 'dossier']) $('#' + s).hidden = s !== id;
}

function text(tag, content, cls) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls) el.className = cls;
  return el;
}

function signOut() {
  sessionStorage.removeItem('motcua-token');
  me = null;
  $('#who').textContent = '';
  route();
}

async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem('motcua-token', $('#token').value.trim());
  try {
    me = await call('GET', '/api/whoami');
    $('#login-error').textContent = '';
    $('#token').value = '';
    location.hash = '#/';
    route();
  } catch (err) {
    sessionStorage.removeItem('motcua-token');
    $('#login-error').textContent = err.message;
  }
}

function renderWho() {
  const who = $('#who');
  const agencies = me.agencies || (me.agency ? [me.agency] : []);
  who.textContent = `${me.actor} — ${me.roles.join(', ')}` +
    (agencies.length ? ` — ${agencies.join(', ')}` : '');
  const out = text('button', 'Sign out');
  out.addEventListener('click', signOut);
  who.appendChild(out);
}

// The queue is read a page at a time (GET /api/dossiers with its cursor); the first page says
// how many dossiers match in all. A new filter or search starts again from the first page.
let queueNext = null; // the cursor of the page after the one shown
let queueCursor = null; // the cursor of the page shown (null: the first)

async function renderQueue(cursor) {
  show('queue');
  const state = $('#state').value;
  const search = $('#search').value.trim();
  const params = new URLSearchParams();
  if (state) params.set('state', state);
  if ($('#overdue-only').checked) params.set('overdue', '1');
  if (search) params.set('q', search);
  if (typeof cursor === 'string') params.set('cursor', cursor);
  const data = await call('GET', '/api/dossiers' + (params.toString() ? '?' + params : ''));
  queueCursor = typeof cursor === 'string' ? cursor : null;
  queueNext = data.next;
  $('#queue-next').hidden = !data.next;
  $('#queue-first').hidden = queueCursor === null;
  const body = $('#queue-table tbody');
  body.replaceChildren();
  const states = new Set([...$('#state').options].map((o) => o.value));
  const offer = (name) => {
    if (!states.has(name)) {
      $('#state').appendChild(new Option(name, name));
      states.add(name);
    }
  };
  if (data.counts) {
    const parts = Object.entries(data.counts.states).map(([s, n]) => `${s} ${n}`);
    $('#queue-counts').textContent = `${data.counts.total} dossiers` +
      ` (${data.counts.overdue} overdue)` + (parts.length ? ': ' + parts.join(', ') : '');
    Object.keys(data.counts.states).forEach(offer);
  }
  for (const d of data.dossiers) {
    offer(d.state);
    const tr = document.createElement('tr');
    if (d.overdue) tr.className = 'overdue';
    const link = document.createElement('a');
    link.href = '#/dossiers/' + d.id;
    link.textContent = String(d.id);
    const num = document.createElement('td');
    num.appendChild(link);
    tr.append(num, text('td', d.procedure), text('td', d.state), text('td', d.due || '—'));
    const flag = document.createElement('td');
    if (d.overdue) flag.appendChild(text('span', 'overdue', 'badge overdue'));
    tr.appendChild(flag);
    body.appendChild(tr);
  }
  $('#queue-empty').hidden = data.dossiers.length > 0;
}

async function renderDossier(id) {
  show('dossier');
  const [d, why] = await Promise.all([
    call('GET', `/api/dossiers/${id}`),
    call('GET', `/api/dossiers/${id}/explain`),
  ]);
  $('#d-title').textContent = `Dossier ${d.id}: ${d.procedure}`;
  const facts = $('#d-facts');
  facts.replaceChildren();
  const fact = (k, v) => facts.append(text('dt', k), text('dd', v));
  fact('State', d.state + (d.final ? ` (final: ${d.outcome})` : ''));
  fact('Due', (d.due || '—') + (d.overdue ? ' — overdue' : ''));
  fact('Submitted', `${d.submitted} (${d.channel})`);
  fact('Subject', d.subject || '—');
  const stories = new Map(why.documents.map((x) => [x.document, x.story]));
  const rows = $('#d-checklist tbody');
  rows.replaceChildren();
  for (const item of d.checklist) {
    const tr = document.createElement('tr');
    const status = document.createElement('td');
    const label = item.status === 'fetched' ? `fetched from ${item.registry}` : item.status;
    status.appendChild(text('span', label, 'badge ' + item.status));
    tr.append(text('td', item.document), status, text('td', stories.get(item.document) || ''));
    rows.appendChild(tr);
  }
  const select = $('#d-event');
  select.replaceChildren();
  for (const a of d.actions.filter((x) => x.allowed)) {
    select.appendChild(new Option(`${a.event} (as ${a.as})`, JSON.stringify(a)));
  }
  $('#d-action').hidden = select.options.length === 0;
  $('#d-no-action').hidden = select.options.length > 0;
  const history = $('#d-history');
  history.replaceChildren();
  for (const ev of d.history) {
    const b = ev.body || {};
    let line = `${ev.at} ${ev.kind} by ${ev.actor || 'system'}`;
    if (b.user) line += ` (${b.user})`;
    if (ev.kind === 'blocked') line += `: refused (${b.reason || '-'}): ${b.message}`;
    else if (b.to) line += `: ${b.event || ''} → ${b.to}`;
    history.appendChild(text('li', line));
  }
}

async function fire(event) {
  event.preventDefault();
  const id = location.hash.split('/')[2];
  const action = JSON.parse($('#d-event').value);
  const body = { event: action.event, as: action.as };
  const docs = $('#d-documents').value.split(',').map((s) => s.trim()).filter(Boolean);
  if (docs.length) body.documents = docs;
  if ($('#d-note').value.trim()) body.note = $('#d-note').value.trim();
  $('#d-message').textContent = '';
  $('#d-done').textContent = '';
  try {
    await call('POST', `/api/dossiers/${id}/events`, body);
    $('#d-documents').value = '';
    $('#d-note').value = '';
    await renderDossier(id);
    $('#d-done').textContent = `${action.event}: done.`;
  } catch (err) {
    await renderDossier(id);
    // The engine's message may start with its reason word; the label says it already.
    const msg = err.message.startsWith(err.code + ': ') ? err.message.slice(err.code.length + 2) : err.message;
    $('#d-message').textContent = `Refused (${err.code}): ${msg}`;
  }
}

async function route() {
  if (!token()) {
    show('login');
    return;
  }
  try {
    if (!me) {
      me = await call('GET', '/api/whoami');
    }
    renderWho();
    const m = location.hash.match(/^#\/dossiers\/(\d+)$/);
    if (m) await renderDossier(m[1]);
    else await renderQueue();
  } catch (err) {
    if (err.status === 401) {
      signOut();
      $('#login-error').textContent = err.message;
    } else {
      show('queue');
      $('#queue-empty').hidden = false;
      $('#queue-empty').textContent = err.message;
    }
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('#login-form').addEventListener('submit', signIn);
  $('#d-action').addEventListener('submit', fire);
  $('#state').addEventListener('change', () => renderQueue());
  $('#overdue-only').addEventListener('change', () => renderQueue());
  $('#filter').addEventListener('submit', (event) => {
    event.preventDefault();
    renderQueue();
  });
  $('#queue-next').addEventListener('click', () => renderQueue(queueNext));
  $('#queue-first').addEventListener('click', () => renderQueue());
  window.addEventListener('hashchange', route);
  route();
});
