// farmwatch review page: plain DOM, no build step. Every value from the API reaches the page through
// textContent or an attribute set by the DOM API, never through innerHTML: account ids, org ids and
// user agents are chosen by whoever sends the traffic.
'use strict';

const TOKEN_KEY = 'farmwatch-review-token';
const $ = (id) => document.getElementById(id);
let me = null;

/** replaceChildren without the nulls of absent optional parts (which it would print as "null"). */
function put(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const fmtTime = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + 'Z' : '');
const pct = (x) => `${Math.round(x * 100)}%`;
const badge = (text) => el('span', { class: `badge ${text}` }, text);

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, opts = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { authorization: `Bearer ${token || ''}` };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: opts.method || 'GET',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin('Your token was refused: sign in again.');
    throw new ApiError(401, 'unauthorized');
  }
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || `HTTP ${res.status}`);
  return data;
}

function showLogin(message) {
  $('login').hidden = false;
  $('view').replaceChildren();
  $('who').textContent = '';
  $('login-error').textContent = message || '';
}

async function download(path, filename) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new ApiError(res.status, `export failed: HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function pager(total, offset, limit, go) {
  return el(
    'div',
    { class: 'pager' },
    el('button', { disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) }, '← previous'),
    el(
      'span',
      { class: 'page-info' },
      total === 0 ? 'none' : `${offset + 1}–${Math.min(total, offset + limit)} of ${total}`,
    ),
    el('button', { disabled: offset + limit >= total, onclick: () => go(offset + limit) }, 'next →'),
  );
}

// ---- cluster list ----
const listState = { status: 'open', band: '', q: '', sort: 'score', order: 'desc', offset: 0, limit: 25 };

async function renderList(view) {
  const s = listState;
  const params = new URLSearchParams();
  for (const k of ['status', 'band', 'q', 'sort', 'order', 'offset', 'limit'])
    if (s[k] !== '') params.set(k, String(s[k]));
  const data = await api(`/api/clusters?${params}`);
  const select = (name, options) =>
    el(
      'select',
      {
        name,
        onchange: (e) => {
          s[name] = e.target.value;
          s.offset = 0;
          route();
        },
      },
      options.map(([v, label]) => el('option', { value: v, selected: s[name] === v }, label)),
    );
  const search = el('input', { name: 'q', placeholder: 'cluster or account id', value: s.q });
  const rows = data.items.map((c) =>
    el(
      'tr',
      { 'data-cluster': c.id },
      el('td', {}, el('a', { href: `#/cluster/${encodeURIComponent(c.id)}` }, c.id)),
      el(
        'td',
        {},
        badge(c.status),
        c.newEvidence.length
          ? el('span', { class: 'badge verify', title: c.newEvidence.join(', ') }, 'new evidence')
          : null,
        c.mergedInto
          ? el(
              'a',
              { class: 'merged', href: `#/cluster/${encodeURIComponent(c.mergedInto)}` },
              ` merged into ${c.mergedInto}`,
            )
          : null,
      ),
      el('td', {}, badge(c.band)),
      el('td', { class: 'num' }, c.score.toFixed(3)),
      el('td', { class: 'num' }, c.size),
      el('td', {}, fmtTime(c.firstSeenMs)),
      el(
        'td',
        {},
        c.topReasons.map((r) => el('div', {}, el('b', {}, r.code), ': ', r.detail)),
      ),
    ),
  );
  put(
    view,
    el('h1', {}, 'Flagged clusters'),
    el(
      'div',
      { class: 'controls' },
      'Status',
      select('status', [
        ['', 'all'],
        ['open', 'open'],
        ['confirmed', 'confirmed'],
        ['dismissed', 'dismissed'],
      ]),
      'Band',
      select('band', [
        ['', 'all'],
        ['verify', 'verify'],
        ['review', 'review'],
      ]),
      'Sort',
      select('sort', [
        ['score', 'score'],
        ['size', 'size'],
        ['first_seen', 'first seen'],
        ['last_seen', 'last seen'],
      ]),
      select('order', [
        ['desc', 'descending'],
        ['asc', 'ascending'],
      ]),
      el(
        'form',
        {
          onsubmit: (e) => {
            e.preventDefault();
            s.q = search.value.trim();
            s.offset = 0;
            route();
          },
        },
        search,
        el('button', {}, 'Search'),
      ),
    ),
    el(
      'table',
      { id: 'clusters' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Cluster', 'Status', 'Band', 'Score', 'Accounts', 'First seen', 'Top reasons'].map((h) =>
            el('th', { class: h === 'Score' || h === 'Accounts' ? 'num' : '' }, h),
          ),
        ),
      ),
      el('tbody', {}, rows),
    ),
    pager(data.total, s.offset, s.limit, (o) => {
      s.offset = o;
      route();
    }),
  );
}

// ---- cluster detail ----
function drawActivity(canvas, m) {
  const cw = Math.max(1, Math.floor(1100 / m.cols));
  const ch = Math.max(2, Math.min(8, Math.floor(480 / m.rows)));
  const axis = 18;
  canvas.width = m.cols * cw;
  canvas.height = axis + m.rows * ch;
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  // Time axis (UTC): a label and a faint line every few hours, spaced to stay readable.
  const hourMs = 3_600_000;
  const pxPerHour = (hourMs / m.colMs) * cw;
  const step = [1, 2, 3, 6, 12, 24].find((h) => h * pxPerHour >= 60) || 24;
  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'top';
  for (
    let t = Math.ceil(m.fromMs / (step * hourMs)) * step * hourMs;
    t < m.fromMs + m.cols * m.colMs;
    t += step * hourMs
  ) {
    const x = Math.round(((t - m.fromMs) / m.colMs) * cw);
    g.fillStyle = '#e3e6ea';
    g.fillRect(x, axis, 1, m.rows * ch);
    g.fillStyle = '#59636e';
    const d = new Date(t);
    g.fillText(
      d.getUTCHours() === 0 ? d.toISOString().slice(5, 10) : `${String(d.getUTCHours()).padStart(2, '0')}:00`,
      x + 2,
      3,
    );
  }
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.cells[r * m.cols + c];
      if (v <= 0) continue;
      // Darker is more of the row's accounts active in that column: lockstep shows as vertical stripes.
      const light = Math.round(92 - 70 * Math.min(1, v));
      g.fillStyle = `hsl(214, 70%, ${light}%)`;
      g.fillRect(c * cw, axis + r * ch, cw, ch);
    }
  }
  canvas.dataset.drawn = String(m.rows * m.cols);
}

function bars(h) {
  const max = Math.max(1, ...h.bins.map((b) => b.count));
  return el(
    'div',
    { class: 'panel' },
    el('h2', {}, h.name),
    el(
      'div',
      { class: 'bars' },
      h.bins.flatMap((b) => {
        const bar = el('div', { class: 'bar' });
        // Through the CSSOM: the page's CSP allows no inline style attributes.
        bar.style.width = `${(100 * b.count) / max}%`;
        return [el('span', {}, b.label), bar, el('span', { class: 'num' }, b.count)];
      }),
    ),
  );
}

async function renderMembers(box, id, offset) {
  const limit = 50;
  const data = await api(`/api/clusters/${encodeURIComponent(id)}/members?offset=${offset}&limit=${limit}`);
  put(
    box,
    el(
      'table',
      { id: 'members' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Account', 'Requests', 'Reasoning asks', 'Out tokens/req', 'Age (days)', 'Networks', 'Org', 'State'].map(
            (h) => el('th', {}, h),
          ),
        ),
      ),
      el(
        'tbody',
        {},
        data.items.map((m) =>
          el(
            'tr',
            {},
            el('td', {}, el('code', {}, m.accountId)),
            el('td', { class: 'num' }, m.requests),
            el('td', { class: 'num' }, pct(m.elicitShare)),
            el('td', { class: 'num' }, m.outputTokensPerRequest),
            el('td', { class: 'num' }, m.ageDays === null ? 'old' : m.ageDays.toFixed(1)),
            el('td', {}, m.networks.join(', ')),
            el('td', {}, m.orgId || ''),
            el(
              'td',
              {},
              [m.verified ? 'verified' : '', m.suspended ? 'suspended' : '', m.requested ? 'sent to verification' : '']
                .filter(Boolean)
                .join(', '),
            ),
          ),
        ),
      ),
    ),
    pager(data.total, offset, limit, (o) => renderMembers(box, id, o)),
  );
}

function actionPanel(d, refresh) {
  const c = d.cluster;
  const msg = el('p', { id: 'action-result' });
  const act = async (path, body) => {
    try {
      const r = await api(`/api/clusters/${encodeURIComponent(c.id)}/${path}`, { method: 'POST', body });
      msg.className = '';
      msg.textContent =
        `${path} recorded (audit ` +
        `#${r.seq})${r.requestsSent !== undefined ? `; ${r.requestsSent} verification requests sent` : ''}`;
      await refresh();
    } catch (e) {
      msg.className = 'error';
      msg.textContent = e.message;
    }
  };
  if (!me || me.role === 'viewer') return el('p', { class: 'note' }, 'Viewers cannot act on clusters.');
  if (c.decision) {
    const note = el('textarea', { name: 'undo-note', placeholder: 'why undo' });
    return el(
      'div',
      { class: 'actions' },
      el(
        'fieldset',
        {},
        el('legend', {}, `Undo ${c.decision.status}`),
        note,
        el('button', { id: 'undo', onclick: () => act('undo', { note: note.value }) }, 'Undo'),
      ),
      msg,
    );
  }
  const confirmNote = el('textarea', { name: 'confirm-note', placeholder: 'note (optional)' });
  const category = el(
    'select',
    { name: 'category' },
    ['legitimate_org', 'research_or_benchmark', 'shared_infrastructure', 'test_traffic', 'detector_error', 'other'].map(
      (v) => el('option', { value: v }, v.replace(/_/g, ' ')),
    ),
  );
  const dismissNote = el('textarea', { name: 'dismiss-note', placeholder: 'why (required)' });
  return el(
    'div',
    { class: 'actions' },
    el(
      'fieldset',
      {},
      el('legend', {}, 'Confirm: send to verification'),
      confirmNote,
      el('button', { id: 'confirm', onclick: () => act('confirm', { note: confirmNote.value }) }, 'Confirm'),
    ),
    el(
      'fieldset',
      {},
      el('legend', {}, 'Dismiss as a false positive'),
      category,
      dismissNote,
      el(
        'button',
        { id: 'dismiss', onclick: () => act('dismiss', { category: category.value, note: dismissNote.value }) },
        'Dismiss',
      ),
    ),
    msg,
  );
}

async function renderCluster(view, id) {
  const d = await api(`/api/clusters/${encodeURIComponent(id)}`);
  const c = d.cluster;
  const canvas = el('canvas', { id: 'activity', width: 10, height: 10 });
  const members = el('div', { id: 'members-box' });
  const refresh = () => renderCluster(view, id);
  const allowButton = (kind, value) =>
    me && me.role !== 'viewer' && (kind === 'network' || kind === 'payment')
      ? el('button', { class: 'allow', onclick: () => allowlistPrompt(kind, value) }, 'allowlist…')
      : null;
  put(
    view,
    el('h1', {}, 'Cluster ', el('code', {}, c.id), ' ', badge(c.status), ' ', badge(c.band)),
    el(
      'p',
      {},
      `score ${c.score.toFixed(3)} (coordination ${d.coordination}, intent ${d.intent}) · ${c.size} accounts · ` +
        `${c.requested} sent to verification · first seen ${fmtTime(c.firstSeenMs)} · last seen ` +
        `${fmtTime(c.lastSeenMs)}`,
    ),
    c.decision
      ? el(
          'p',
          { class: 'panel', id: 'decision' },
          `${c.decision.status} by ${c.decision.by} at ` +
            `${fmtTime(c.decision.atMs)}${c.decision.category ? ` (${c.decision.category})` : ''}: ${c.decision.note}`,
        )
      : null,
    c.newEvidence.length
      ? el('p', { class: 'error' }, `New evidence since the dismissal: ${c.newEvidence.join(', ')}`)
      : null,
    c.mergedInto
      ? el(
          'p',
          { class: 'panel', id: 'merged' },
          'A fragment: all its accounts now belong to cluster ',
          el('a', { href: `#/cluster/${encodeURIComponent(c.mergedInto)}` }, c.mergedInto),
          ', which was found whole later.',
        )
      : null,
    actionPanel(d, refresh),
    el(
      'p',
      {},
      el(
        'button',
        {
          id: 'export',
          onclick: () => download(`/api/clusters/${encodeURIComponent(id)}/evidence`, `farmwatch-${id}-evidence.json`),
        },
        'Export evidence (JSON)',
      ),
    ),
    el('h2', {}, 'Reasons'),
    el(
      'ul',
      { id: 'reasons' },
      d.reasons.map((r) => el('li', {}, el('b', {}, r.code), ` (score ${r.score}, weight ${r.weight}): `, r.detail)),
    ),
    el('h2', {}, 'Activity: accounts × time'),
    el('p', { class: 'note', id: 'activity-legend' }, ''),
    canvas,
    el(
      'div',
      { class: 'grid2' },
      el(
        'div',
        { class: 'panel' },
        el('h2', {}, 'Shared values (rarer is stronger)'),
        el(
          'table',
          { id: 'shared' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ['Kind', 'Value', 'Members', 'All users', ''].map((h) => el('th', {}, h)),
            ),
          ),
          el(
            'tbody',
            {},
            d.shared.map((v) =>
              el(
                'tr',
                {},
                el('td', {}, v.kind),
                el('td', {}, el('code', {}, v.value)),
                el('td', { class: 'num' }, v.members),
                el('td', { class: 'num' }, v.total === null ? '–' : v.total),
                el('td', {}, allowButton(v.kind, v.value)),
              ),
            ),
          ),
        ),
      ),
      el(
        'div',
        { class: 'panel' },
        el('h2', {}, 'Template families by size'),
        el(
          'table',
          { id: 'templates' },
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ['Template', 'Members', 'Uses'].map((h) => el('th', {}, h)),
            ),
          ),
          el(
            'tbody',
            {},
            d.templates.map((t) =>
              el(
                'tr',
                {},
                el('td', {}, el('code', {}, t.template)),
                el('td', { class: 'num' }, t.members),
                el('td', { class: 'num' }, t.uses),
              ),
            ),
          ),
        ),
      ),
    ),
    el('div', { class: 'grid2' }, d.histograms.map(bars)),
    el('h2', {}, `Members (${d.membersWithWindow} with windows of ${d.members})`),
    members,
  );
  const m = await api(`/api/clusters/${encodeURIComponent(id)}/activity?rows=120&cols=288`);
  $('activity-legend').textContent =
    `${m.rows} rows of ${m.rowSize} account(s), ordered by first activity; columns of ${Math.round(m.colMs / 60000)} ` +
    `min from ${fmtTime(m.fromMs)} (times in UTC). Darker: more of the row active.`;
  drawActivity(canvas, m);
  await renderMembers(members, id, 0);
}

async function allowlistPrompt(kind, value) {
  const reason = window.prompt(`Allowlist ${kind} ${value}: why? (required)`);
  if (!reason) return;
  const days = Number(window.prompt('For how many days?', '30'));
  if (!Number.isInteger(days) || days < 1) return;
  try {
    await api('/api/allowlist', { method: 'POST', body: { kind, value, reason, ttl_days: days } });
    window.alert(`${kind} ${value} allowlisted for ${days} days`);
  } catch (e) {
    window.alert(e.message);
  }
}

// ---- audit log and allowlist ----
async function renderAudit(view, offset = 0) {
  const limit = 50;
  const data = await api(`/api/audit?offset=${offset}&limit=${limit}`);
  put(
    view,
    el('h1', {}, 'Audit log'),
    me && me.role === 'admin'
      ? el(
          'p',
          {},
          el(
            'button',
            { id: 'audit-export', onclick: () => download('/api/audit/export', 'farmwatch-audit.ndjson') },
            'Export (NDJSON)',
          ),
        )
      : null,
    el(
      'table',
      { id: 'audit' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['#', 'When', 'Who', 'Action', 'Cluster / value', 'Why', 'Evidence'].map((h) => el('th', {}, h)),
        ),
      ),
      el(
        'tbody',
        {},
        data.entries.map((e) =>
          el(
            'tr',
            { 'data-action': e.action, 'data-cluster': e.clusterId || '' },
            el('td', { class: 'num' }, e.seq),
            el('td', {}, fmtTime(e.atMs)),
            el('td', {}, `${e.actor} (${e.role})`),
            el('td', {}, e.action),
            el(
              'td',
              {},
              e.clusterId
                ? el('a', { href: `#/cluster/${encodeURIComponent(e.clusterId)}` }, e.clusterId)
                : e.target
                  ? `${e.target.kind} ${e.target.value}`
                  : '',
            ),
            el('td', {}, [e.category, e.note].filter(Boolean).join(': ')),
            el(
              'td',
              {},
              e.evidence
                ? `score ${e.evidence.score}, ${e.evidence.size} accounts, ` +
                    e.evidence.reasons.map((r) => r.code).join(', ') +
                    (e.requestsSent ? `; ${e.requestsSent} requests sent` : '')
                : '',
            ),
          ),
        ),
      ),
    ),
    pager(data.total, offset, limit, (o) => renderAudit(view, o)),
  );
}

async function renderAllowlist(view) {
  const data = await api('/api/allowlist');
  put(
    view,
    el('h1', {}, 'Allowlist'),
    el(
      'table',
      { id: 'allowlist' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Kind', 'Value', 'Why', 'By', 'Expires', ''].map((h) => el('th', {}, h)),
        ),
      ),
      el(
        'tbody',
        {},
        data.items.map((e) =>
          el(
            'tr',
            {},
            el('td', {}, e.kind),
            el('td', {}, el('code', {}, e.value)),
            el('td', {}, e.reason),
            el('td', {}, e.by),
            el('td', {}, fmtTime(e.expiresAtMs)),
            el(
              'td',
              {},
              me && me.role !== 'viewer'
                ? el(
                    'button',
                    {
                      onclick: async () => {
                        await api('/api/allowlist/remove', {
                          method: 'POST',
                          body: { kind: e.kind, value: e.value, note: 'removed from the page' },
                        });
                        renderAllowlist(view);
                      },
                    },
                    'remove',
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

async function route() {
  const view = $('view');
  const hash = location.hash || '#/';
  try {
    if (!me) {
      me = await api('/api/whoami');
      $('who').textContent = `${me.user} (${me.role})`;
    }
    $('login').hidden = true;
    const m = /^#\/cluster\/(.+)$/.exec(hash);
    if (m) await renderCluster(view, decodeURIComponent(m[1]));
    else if (hash === '#/audit') await renderAudit(view);
    else if (hash === '#/allowlist') await renderAllowlist(view);
    else await renderList(view);
  } catch (e) {
    if (e.status !== 401) put(view, el('p', { class: 'error' }, e.message));
  }
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  me = null;
  route();
});
window.addEventListener('hashchange', route);
if (sessionStorage.getItem(TOKEN_KEY)) route();
else showLogin('');
