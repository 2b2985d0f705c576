// pactum dashboard: a single page on the HTTP API (docs/api.md). Vanilla ES2020, no build step,
// no external assets. Routes: #/ (portfolio), #/agreement/ID?as_of=DATE, #/evidence, #/evidence/ID,
// #/admin. Test hooks: body[data-ready], #status-line, #as-of, [data-provision], #gantt, #charts.
'use strict';

(() => {
  // ---------------------------------------------------------------- constants

  const API = '/api/v1';
  const STATES = ['met', 'met_late', 'breached', 'disputed', 'active', 'pending', 'suspended', 'void', 'not_monitorable'];
  const MAIN_STATES = ['met', 'met_late', 'breached', 'disputed'];
  const STATE_FILL = {
    met: '#1f883d', met_late: '#b08800', breached: '#cf222e', disputed: '#8250df', active: '#0969da',
    pending: '#afb8c1', suspended: '#e16f24', void: '#57606a', not_monitorable: 'url(#hatch-nm)',
  };
  const STATE_FILL_FLAT = Object.assign({}, STATE_FILL, { not_monitorable: '#d0d7de' });
  const STATE_HELP = {
    pending: 'not yet in force',
    active: 'in force, not yet settled',
    met: 'done on time',
    met_late: 'done, but after the deadline',
    breached: 'not done by the deadline, or a forbidden act happened',
    suspended: 'put on hold by another provision',
    void: 'no longer binding',
    disputed: 'reports disagree',
    not_monitorable: 'no evidence can show this',
  };
  const INTERLOCK_KIND = {
    condition: { word: 'condition', help: 'only holds while the other provision allows it', dash: '', color: '#24292f' },
    trigger: { word: 'trigger', help: 'comes into force on an event of the other provision', dash: '6 4', color: '#0550ae' },
    deadline: { word: 'deadline', help: 'its deadline is counted from the other provision', dash: '2 3', color: '#953800' },
    window: { word: 'window', help: 'measured in a window bounded by the other provision', dash: '9 3 2 3', color: '#116329' },
    consequence: { word: 'consequence', help: 'suspends, resumes or terminates the other provision', dash: '', color: '#a40e26' },
  };
  const ROLES = ['viewer', 'monitor', 'admin'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const EVIDENCE_PAGE = 50;
  const SVGNS = 'http://www.w3.org/2000/svg';

  // ---------------------------------------------------------------- app state

  const app = {
    user: null, // {name, role}
    csrf: null, // kept in memory only
    navSeq: 0,
    kinds: new Set(),
    flash: null,
  };
  const main = () => document.getElementById('main');

  // ---------------------------------------------------------------- DOM helpers

  function append(el, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k == null || k === false || k === '') continue;
      el.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return el;
  }

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    let value;
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k === 'value') value = v;
        else if (k === 'style') el.style.cssText = v; // CSSOM: allowed under a strict style-src CSP
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
      }
    }
    append(el, kids);
    if (value !== undefined) el.value = value;
    return el;
  }

  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(SVGNS, tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'style') el.style.cssText = v;
        else if (k === 'class') el.setAttribute('class', v);
        else el.setAttribute(k, String(v));
      }
    }
    return append(el, kids);
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  let uid = 0;
  const nextId = (p) => `${p}-${++uid}`;

  function setReady(on) {
    document.body.dataset.ready = on ? '1' : '0';
  }

  function setStatus(text) {
    document.getElementById('status-line').textContent = text;
  }

  // ---------------------------------------------------------------- formatting

  const stateWord = (st) => String(st || '').replace(/_/g, ' ');
  const humanize = (x) => String(x == null ? '' : x).replace(/_/g, ' ');

  function fmtNum(n) {
    if (n == null || Number.isNaN(n)) return '';
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 });
  }

  function fmtQty(q) {
    if (q == null) return '';
    if (typeof q === 'string') return prettyQty(q);
    if (q.low === q.high) return fmtNum(q.low);
    return `${fmtNum(q.low)}–${fmtNum(q.high)}`;
  }

  function qtyInput(q) {
    if (q == null) return '';
    if (typeof q === 'string') return q;
    return q.low === q.high ? String(q.low) : `${q.low}..${q.high}`;
  }

  // "8400..8600" -> "8,400–8,600"; leaves words alone.
  function prettyQty(str) {
    return String(str)
      .replace(/\d{4,}(\.\d+)?/g, (m) => fmtNum(Number(m)))
      .replace(/\.\./g, '–');
  }

  // "<= 8600" -> "at most 8,600": targets in words.
  function prettyTarget(t) {
    const words = { '==': 'exactly', '<=': 'at most', '>=': 'at least', '<': 'less than', '>': 'more than', '!=': 'not' };
    return prettyQty(String(t == null ? '' : t).replace(/^(==|<=|>=|!=|<|>)\s*/, (m, op) => `${words[op]} `));
  }

  const isDay = (d) => typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d);

  function dayNum(d) {
    const [y, m, dd] = d.slice(0, 10).split('-').map(Number);
    return Date.UTC(y, m - 1, dd) / 864e5;
  }

  function numDay(n) {
    return new Date(n * 864e5).toISOString().slice(0, 10);
  }

  function fmtDate(d) {
    if (!d) return '';
    if (String(d).includes('..')) {
      const [a, b] = String(d).split('..');
      return `${fmtDate(a)} – ${fmtDate(b)}`;
    }
    if (/^\d{4}-\d{2}$/.test(d)) {
      const [y, m] = d.split('-').map(Number);
      return `${MONTHS[m - 1]} ${y}`;
    }
    if (!isDay(String(d).slice(0, 10))) return String(d);
    const [y, m, dd] = String(d).slice(0, 10).split('-').map(Number);
    return `${dd} ${MONTHS[m - 1]} ${y}`;
  }

  function fmtTime(t) {
    if (!t) return '';
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(t);
    return m ? `${fmtDate(m[1])}, ${m[2]} UTC` : String(t);
  }

  function fmtBytes(n) {
    if (n == null) return '';
    if (n < 1024) return `${n} bytes`;
    return `${(n / 1024).toFixed(1)} KB`;
  }

  function todayIso() {
    const d = new Date();
    const p = (x) => String(x).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  }

  function addMonths(iso, k) {
    const [y, m, d] = iso.split('-').map(Number);
    const t = new Date(Date.UTC(y, m - 1 + k, 1));
    const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
    t.setUTCDate(Math.min(d, last));
    return t.toISOString().slice(0, 10);
  }

  function validAsOf(v) {
    if (!isDay(v)) return false;
    const y = Number(v.slice(0, 4));
    return y >= 1900 && y <= 2200 && !Number.isNaN(dayNum(v));
  }

  // Turns URLs inside a text into links.
  function linkify(text) {
    const out = [];
    const re = /https?:\/\/[^\s"<>]+/g;
    let last = 0;
    let m;
    const str = String(text || '');
    while ((m = re.exec(str))) {
      out.push(str.slice(last, m.index));
      out.push(h('a', { href: m[0], rel: 'noopener noreferrer', target: '_blank' }, m[0]));
      last = m.index + m[0].length;
    }
    out.push(str.slice(last));
    return out;
  }

  function stateBadge(st, extraClass) {
    return h('span', {
      class: `state badge s-${st}${extraClass ? ' ' + extraClass : ''}`,
      'data-state': st,
      title: STATE_HELP[st] || null,
    }, stateWord(st));
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, err) {
      super((err && err.message) || `The server answered with status ${status}.`);
      this.status = status;
      this.code = (err && err.code) || 'error';
      this.field = (err && err.field) || null;
      this.diagnostics = (err && err.diagnostics) || null;
      this.body = err || null;
    }
  }

  async function api(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    if (method !== 'GET' && app.csrf) opts.headers['X-CSRF-Token'] = app.csrf;
    let res;
    try {
      res = await fetch(API + path, opts);
    } catch (e) {
      throw new ApiError(0, { code: 'network', message: 'The server could not be reached. Check the connection and try again.' });
    }
    if (res.status === 204) return null;
    const text = await res.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (!res.ok) {
      const err = new ApiError(res.status, data && data.error);
      if (res.status === 401 && path !== '/session' && app.user) {
        app.user = null;
        app.csrf = null;
        showLogin('Your session has ended. Please log in again.');
      }
      throw err;
    }
    return data;
  }

  const enc = encodeURIComponent;
  const qs = (o) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(o)) if (v != null && v !== '') p.set(k, v);
    const t = p.toString();
    return t ? `?${t}` : '';
  };
  const canWriteEvidence = () => app.user && (app.user.role === 'monitor' || app.user.role === 'admin');
  const isAdmin = () => app.user && app.user.role === 'admin';

  function errorBox(e, prefix) {
    const msg = e instanceof Error ? e.message : String(e);
    return h('div', { class: 'error-box', role: 'alert' },
      h('strong', null, prefix || 'Something went wrong: '), msg);
  }

  // ---------------------------------------------------------------- routing

  function parseHash() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const qi = raw.indexOf('?');
    const path = qi >= 0 ? raw.slice(0, qi) : raw;
    const params = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
    const parts = path.split('/').filter(Boolean).map((x) => {
      try {
        return decodeURIComponent(x);
      } catch (e) {
        return x;
      }
    });
    return { path, parts, params };
  }

  function markNav(name) {
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  async function route() {
    const seq = ++app.navSeq;
    setReady(false);
    if (!app.user) return;
    const live = () => seq === app.navSeq;
    const r = parseHash();
    const el = main();
    setStatus('Loading…');
    let view;
    let nav;
    if (r.parts.length === 0) [view, nav] = [viewPortfolio, 'portfolio'];
    else if (r.parts[0] === 'agreement' && r.parts[1]) [view, nav] = [viewAgreement, 'portfolio'];
    else if (r.parts[0] === 'evidence' && r.parts.length === 1) [view, nav] = [viewEvidence, 'evidence'];
    else if (r.parts[0] === 'evidence' && r.parts[1]) [view, nav] = [viewEvidenceItem, 'evidence'];
    else if (r.parts[0] === 'admin') [view, nav] = [viewAdmin, 'admin'];
    else [view, nav] = [viewNotFound, ''];
    markNav(nav);
    try {
      await view(el, r, live);
    } catch (e) {
      if (!live()) return;
      if (e instanceof ApiError && e.status === 401) return;
      el.dataset.view = 'error';
      clear(el).appendChild(h('section', { class: 'page' }, errorBox(e, 'This page could not be shown: ')));
      setStatus(`Error: ${e.message}`);
      console.error(e);
    }
    if (live()) setReady(true);
  }

  function viewNotFound(el) {
    el.dataset.view = 'notfound';
    clear(el).appendChild(h('section', { class: 'page' },
      h('h1', null, 'Page not found'),
      h('p', null, 'There is no page at this address. ', h('a', { href: '#/' }, 'Go to the agreements.'))));
    setStatus('Page not found');
  }

  function takeFlash(el) {
    if (!app.flash) return;
    el.prepend(h('p', { class: 'flash', role: 'status' }, app.flash));
    app.flash = null;
  }

  // ---------------------------------------------------------------- session

  function showShell() {
    document.getElementById('nav').hidden = false;
    document.getElementById('whoami').hidden = false;
    document.getElementById('whoami-text').textContent = '';
    const logoutBtn = document.getElementById('logout');
    if (app.user.guest) {
      // A server started with --public-read: reading needs no login; writing does.
      append(document.getElementById('whoami-text'), ['Reading without logging in']);
      logoutBtn.textContent = 'Log in';
    } else {
      append(document.getElementById('whoami-text'), [
        'Logged in as ', h('strong', null, app.user.name), ' ', h('span', { class: 'role-tag' }, app.user.role),
      ]);
      logoutBtn.textContent = 'Log out';
    }
    const adminLink = document.getElementById('nav-admin');
    adminLink.textContent = isAdmin() ? 'Administration' : 'API tokens';
    adminLink.hidden = !!app.user.guest;
  }

  function showLogin(message, info) {
    ++app.navSeq;
    document.getElementById('nav').hidden = true;
    document.getElementById('whoami').hidden = true;
    const el = main();
    el.dataset.view = 'login';
    const err = h('p', { id: 'login-error', class: info ? 'login-info' : 'field-error', role: 'alert' }, message || '');
    const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
    const pw = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const btn = h('button', { id: 'login-submit', type: 'submit', class: 'btn btn-primary' }, 'Log in');
    const form = h('form', { id: 'login-form', class: 'login-form', novalidate: true },
      h('h1', null, 'Log in'),
      h('p', { class: 'muted' }, 'pactum shows, for any date, the state of every provision of a peace agreement and the evidence behind it.'),
      h('div', { class: 'field' }, h('label', { for: 'login-name' }, 'Name'), name),
      h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), pw),
      err,
      btn);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      setReady(false);
      err.textContent = '';
      err.className = 'field-error';
      if (!name.value.trim() || !pw.value) {
        err.textContent = 'Enter your name and password.';
        setReady(true);
        return;
      }
      btn.disabled = true;
      btn.textContent = 'Logging in…';
      try {
        const res = await api('POST', '/session', { name: name.value.trim(), password: pw.value });
        app.user = res.user;
        app.csrf = res.csrf;
        showShell();
        await route();
      } catch (e) {
        err.textContent = e.message;
        btn.disabled = false;
        btn.textContent = 'Log in';
        pw.focus();
        setStatus('Not logged in');
        setReady(true);
      }
    });
    clear(el).appendChild(h('section', { class: 'page login-page' }, form));
    setStatus('Not logged in');
    name.focus();
    setReady(true);
  }

  async function logout() {
    if (app.user && app.user.guest) {
      app.user = null;
      showLogin('');
      return;
    }
    setReady(false);
    try {
      await api('DELETE', '/session');
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {
        alert(`Logging out failed: ${e.message}`);
        setReady(true);
        return;
      }
    }
    app.user = null;
    app.csrf = null;
    showLogin('You are logged out.', true);
  }

  // ---------------------------------------------------------------- shared widgets

  function dateControl(value, onPick, opts) {
    const input = h('input', { type: 'date', id: 'as-of', name: 'as_of', value, min: '1900-01-01', max: '2200-12-31' });
    let timer = null;
    const pick = () => {
      const v = input.value;
      if (!validAsOf(v)) return;
      if (v === input.dataset.current) return;
      setReady(false);
      setStatus(`Loading the state on ${v}…`);
      clearTimeout(timer);
      timer = setTimeout(() => onPick(v), 250);
    };
    input.dataset.current = value;
    input.addEventListener('change', pick);
    input.addEventListener('input', pick);
    const step = (k, label) => h('button', {
      type: 'button', class: 'btn btn-small',
      onclick: () => {
        input.value = addMonths(input.value && validAsOf(input.value) ? input.value : value, k);
        pick();
      },
    }, label);
    return h('div', { class: 'date-control' },
      h('label', { for: 'as-of' }, (opts && opts.label) || 'State on'),
      input,
      step(-1, '− 1 month'),
      step(1, '+ 1 month'),
      h('button', {
        type: 'button', class: 'btn btn-small',
        onclick: () => {
          input.value = todayIso();
          pick();
        },
      }, 'Today'));
  }

  function goHash(target) {
    if (location.hash === target) route();
    else location.hash = target;
  }

  // A horizontal stacked bar of counts by state.
  function stackedBar(counts, total, label) {
    const W = 600;
    const H = 18;
    const svg = s('svg', {
      class: 'stack', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img',
      'aria-label': label,
    });
    svg.appendChild(hatchDefs());
    if (!total) {
      svg.appendChild(s('rect', { x: 0, y: 0, width: W, height: H, fill: '#eaeef2' }));
      return svg;
    }
    let x = 0;
    for (const st of STATES) {
      const n = counts[st] || 0;
      if (!n) continue;
      const w = (n / total) * W;
      svg.appendChild(s('rect', {
        x, y: 0, width: Math.max(w - 1, 0.5), height: H, fill: STATE_FILL[st], 'data-state': st,
      }, s('title', null, `${n} ${stateWord(st)}`)));
      x += w;
    }
    return svg;
  }

  // The hatch pattern for "not monitorable", defined once in a hidden SVG (see ensureDefs).
  function hatchDefs() {
    return s('defs');
  }

  function ensureDefs() {
    if (document.getElementById('pactum-defs')) return;
    const holder = s('svg', { id: 'pactum-defs', width: 0, height: 0, 'aria-hidden': 'true', focusable: 'false', style: 'position:absolute;width:0;height:0;overflow:hidden' }, globalDefs());
    document.body.appendChild(holder);
  }

  function globalDefs() {
    return s('defs', null,
      s('pattern', { id: 'hatch-nm', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
        s('rect', { width: 6, height: 6, fill: '#eaeef2' }),
        s('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#8c959f', 'stroke-width': 2 })));
  }

  function countsLine(counts) {
    const mainBits = MAIN_STATES.map((st) => h('span', { class: `count count-main s-${st}-text`, 'data-state': st },
      h('span', { class: `swatch sw-${st}`, 'aria-hidden': 'true' }),
      h('strong', null, String(counts[st] || 0)), ' ', stateWord(st)));
    const others = STATES.filter((st) => !MAIN_STATES.includes(st) && counts[st]);
    return [
      h('p', { class: 'counts' }, mainBits),
      others.length ? h('p', { class: 'counts counts-other' }, others.map((st) => h('span', { class: 'count', 'data-state': st },
        h('span', { class: `swatch sw-${st}`, 'aria-hidden': 'true' }), `${counts[st]} ${stateWord(st)}`))) : null,
    ];
  }

  function stateLegend() {
    return h('ul', { class: 'legend', 'aria-label': 'What the colours mean' },
      STATES.map((st) => h('li', null, h('span', { class: `swatch sw-${st}`, 'aria-hidden': 'true' }),
        h('strong', null, stateWord(st)), h('span', { class: 'muted' }, `: ${STATE_HELP[st]}`))));
  }

  // ---------------------------------------------------------------- portfolio

  async function viewPortfolio(el, r, live) {
    const asOf = validAsOf(r.params.get('as_of') || '') ? r.params.get('as_of') : null;
    const data = await api('GET', `/agreements${qs({ as_of: asOf })}`);
    if (!live()) return;
    const shownAsOf = data.as_of;
    el.dataset.view = 'portfolio';
    const total = {};
    let nprov = 0;
    for (const a of data.agreements) {
      nprov += a.provisions || 0;
      for (const st of STATES) total[st] = (total[st] || 0) + ((a.counts && a.counts[st]) || 0);
    }
    const list = h('ul', { id: 'portfolio', class: 'portfolio' });
    for (const a of data.agreements) {
      const counts = a.counts || {};
      const n = a.provisions || STATES.reduce((t, st) => t + (counts[st] || 0), 0);
      const href = `#/agreement/${enc(a.id)}?as_of=${shownAsOf}`;
      const summary = STATES.filter((st) => counts[st]).map((st) => `${counts[st]} ${stateWord(st)}`).join(', ');
      list.appendChild(h('li', { class: 'card agr-card', 'data-agreement': a.id },
        h('h2', { class: 'agr-title' }, h('a', { href }, a.title || a.id)),
        h('p', { class: 'meta' },
          a.signed ? `Signed ${fmtDate(a.signed)}` : 'Not signed', a.place ? ` at ${a.place}` : '',
          a.parties && a.parties.length ? ` · parties: ${a.parties.join(', ')}` : '',
          ` · ${n} provision${n === 1 ? '' : 's'}`),
        stackedBar(counts, n, `${a.title}: ${summary || 'no provisions'}`),
        countsLine(counts),
        h('p', { class: 'card-link' }, h('a', { href }, 'Open the provisions, timeline and charts →'))));
    }
    clear(el).appendChild(h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('div', null,
          h('h1', null, 'Agreements'),
          h('p', { class: 'lead' },
            `${data.agreements.length} agreement${data.agreements.length === 1 ? '' : 's'}, ${nprov} provisions. `,
            `On ${fmtDate(shownAsOf)}: `,
            MAIN_STATES.map((st) => `${total[st] || 0} ${stateWord(st)}`).join(', '), '.')),
        dateControl(shownAsOf, (v) => goHash(`#/?as_of=${v}`))),
      data.agreements.length ? list : h('p', { class: 'empty' }, 'No agreements yet. An administrator can upload agreement files.'),
      h('details', { class: 'legend-box' }, h('summary', null, 'What the states mean'), stateLegend())));
    takeFlash(el.firstChild);
    setStatus(`State on ${shownAsOf}`);
  }

  // ---------------------------------------------------------------- agreement

  async function viewAgreement(el, r, live) {
    const id = r.parts[1];
    const wanted = r.params.get('as_of');
    const asOf = wanted && validAsOf(wanted) ? wanted : null;
    const q = qs({ as_of: asOf });
    const agrP = api('GET', `/agreements/${enc(id)}${q}`);
    const chartsP = api('GET', `/agreements/${enc(id)}/charts${q}`);
    chartsP.catch(() => {}); // handled below
    let data;
    try {
      data = await agrP;
    } catch (e) {
      if (!live()) return;
      if (e.status === 404) {
        el.dataset.view = 'error';
        clear(el).appendChild(h('section', { class: 'page' },
          errorBox(e, 'No such agreement: '), h('p', null, h('a', { href: '#/' }, '← All agreements'))));
        setStatus(`Error: ${e.message}`);
        return;
      }
      throw e;
    }
    if (!live()) return;
    const shownAsOf = data.as_of;
    const agr = data.agreement || { id };
    const viewKey = `agreement:${id}`;
    let page = el.querySelector('.agreement-page');
    const reuse = el.dataset.view === viewKey && page;
    let body;
    if (reuse) {
      const input = document.getElementById('as-of');
      if (document.activeElement !== input) input.value = shownAsOf;
      input.dataset.current = shownAsOf;
      body = clear(page.querySelector('.agreement-body'));
      page.querySelector('.agr-summary').replaceWith(agreementSummary(data));
    } else {
      el.dataset.view = viewKey;
      body = h('div', { class: 'agreement-body' });
      page = h('section', { class: 'page agreement-page', 'data-agreement': agr.id },
        h('p', { class: 'crumbs' }, h('a', { href: `#/?as_of=${shownAsOf}` }, '← All agreements')),
        h('div', { class: 'page-head' },
          h('div', null,
            h('h1', null, agr.title || agr.id),
            h('p', { class: 'meta' },
              agr.signed ? `Signed ${fmtDate(agr.signed)}` : 'Not signed', agr.place ? ` at ${agr.place}` : '',
              agr.parties && agr.parties.length ? ` · parties: ${agr.parties.join(', ')}` : '',
              ' · ', h('code', null, agr.id))),
          dateControl(shownAsOf, (v) => goHash(`#/agreement/${enc(id)}?as_of=${v}`))),
        agreementSummary(data),
        h('nav', { class: 'jump', 'aria-label': 'On this page' }, 'Jump to: ',
          [['h-provisions', 'provisions'], ['h-timeline', 'timeline'], ['h-charts', 'charts']].map(([target, label], i) => [i ? ' · ' : '',
            h('button', { type: 'button', class: 'linkish', onclick: () => { const t = document.getElementById(target); if (t) t.scrollIntoView({ behavior: 'smooth' }); } }, label)])),
        body);
      clear(el).appendChild(page);
    }
    // Keep the address in step with the date shown (e.g. when the server picked today).
    if (!wanted) history.replaceState(null, '', `#/agreement/${enc(id)}?as_of=${shownAsOf}`);

    const provKeys = new Set((data.provisions || []).map((p) => p.key));
    const titles = {};
    for (const p of data.provisions || []) titles[p.key] = p.title;
    for (const g of data.gantt || []) titles[g.key] = titles[g.key] || g.title;

    // Provisions
    body.appendChild(h('section', { class: 'block', 'aria-labelledby': 'h-provisions' },
      h('h2', { id: 'h-provisions' }, `Provisions on ${fmtDate(shownAsOf)}`),
      provisionList(data.provisions || [], shownAsOf)));

    // Timeline
    const ganttWrap = h('div', { class: 'gantt-wrap' });
    const inter = data.interlocks || [];
    const inside = inter.filter((i) => provKeys.has(i.from) && provKeys.has(i.to));
    const across = inter.filter((i) => !(provKeys.has(i.from) && provKeys.has(i.to)));
    body.appendChild(h('section', { class: 'block', 'aria-labelledby': 'h-timeline' },
      h('h2', { id: 'h-timeline' }, 'Timeline'),
      h('p', { class: 'muted' }, 'Each bar runs from the day a provision came into force to the day it was settled (or to the date shown, if still open), coloured by its state at each moment. Arrows link provisions that depend on each other: the arrow points at the one that depends.'),
      ganttLegend(inside),
      ganttWrap,
      interlockLists(inside, across, titles, shownAsOf)));
    const gantt = data.gantt || [];
    const drawGantt = () => {
      clear(ganttWrap).appendChild(ganttSvg(gantt, inside, shownAsOf, agr, Math.max(ganttWrap.clientWidth || 1100, 900)));
    };
    drawGantt();

    // Charts
    const chartsEl = h('div', { id: 'charts', class: 'charts', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading the charts…'));
    body.appendChild(h('section', { class: 'block', 'aria-labelledby': 'h-charts' },
      h('h2', { id: 'h-charts' }, 'Measures against the commitments'),
      h('p', { class: 'muted' }, 'What the evidence reports over time, with the thresholds the provisions set (dashed lines).'),
      chartsEl));
    try {
      const ch = await chartsP;
      if (!live()) return;
      clear(chartsEl);
      const list = ch.charts || [];
      if (!list.length) chartsEl.appendChild(h('p', { class: 'empty' }, 'No measured commitments in this agreement.'));
      for (const c of list) chartsEl.appendChild(chartFigure(c, ch.as_of || shownAsOf, titles, provKeys));
    } catch (e) {
      if (!live()) return;
      clear(chartsEl).appendChild(errorBox(e, 'The charts could not be loaded: '));
    }
    chartsEl.removeAttribute('aria-busy');
    if (!live()) return;
    setStatus(`State on ${shownAsOf}`);
  }

  function agreementSummary(data) {
    const counts = {};
    for (const st of STATES) counts[st] = 0;
    for (const p of data.provisions || []) counts[p.state] = (counts[p.state] || 0) + 1;
    const n = (data.provisions || []).length;
    return h('div', { class: 'agr-summary card' },
      stackedBar(counts, n, STATES.filter((st) => counts[st]).map((st) => `${counts[st]} ${stateWord(st)}`).join(', ')),
      countsLine(counts));
  }

  function provisionList(provs, asOf) {
    if (!provs.length) return h('p', { class: 'empty' }, 'This agreement has no provisions.');
    const list = h('div', { class: 'provisions', role: 'list' });
    for (const p of provs) list.appendChild(provisionRow(p, asOf));
    return list;
  }

  function provisionRow(p, asOf) {
    const ev = p.evidence || [];
    const parties = [];
    if (p.obligors && p.obligors.length) parties.push(`owed by ${p.obligors.join(', ')}`);
    if (p.beneficiaries && p.beneficiaries.length) parties.push(`to ${p.beneficiaries.join(', ')}`);
    let dueNote = null;
    if (p.due) {
      const days = dayNum(p.due) - dayNum(asOf);
      if (['active', 'pending'].includes(p.state)) {
        dueNote = days >= 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
      }
    }
    const detailsKids = [];
    if (p.text) detailsKids.push(h('blockquote', { class: 'quote' }, `“${p.text}”`));
    if (ev.length) {
      detailsKids.push(h('ol', { class: 'ev-list' }, ev.map((e) => h('li', { class: `ev-mini role-${e.role || 'evidence'}` },
        h('div', { class: 'ev-mini-head' },
          h('span', { class: 'ev-date' }, fmtDate(e.date)),
          e.role === 'contested' ? h('span', { class: 'tag tag-dispute' }, 'contested report') : null,
          e.role === 'denial' ? h('span', { class: 'tag tag-dispute' }, 'denial of the report above') : null,
          h('span', { class: 'ev-summary' }, humanizeSummary(e.summary))),
        h('div', { class: 'ev-source' }, h('span', { class: 'label' }, 'Source: '), linkify(e.source)),
        e.note ? h('div', { class: 'ev-note' }, e.note) : null,
        h('div', { class: 'ev-ref muted' }, h('a', { href: `#/evidence/${enc(e.id)}` }, e.id),
          e.file ? ` · ${e.file}${e.row ? ` row ${e.row}` : ''}` : '')))));
    } else {
      detailsKids.push(h('p', { class: 'muted' }, 'No evidence item is behind this state.'));
    }
    if (p.by_place && p.by_place.length) {
      const keys = Object.keys(p.by_place[0]).filter((k) => k !== 'place');
      detailsKids.push(h('table', { class: 'mini-table' },
        h('caption', null, 'By place'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'place'), keys.map((k) => h('th', { scope: 'col' }, humanize(k))))),
        h('tbody', null, p.by_place.map((row) => h('tr', null, h('th', { scope: 'row' }, row.place),
          keys.map((k) => h('td', null, typeof row[k] === 'number' ? fmtNum(row[k]) : String(row[k] ?? ''))))))));
    }
    if (p.rules && p.rules.length) {
      detailsKids.push(h('div', { class: 'rules' }, h('span', { class: 'label' }, 'Rule as written: '),
        h('pre', null, p.rules.join('\n'))));
    }
    if (p.location) detailsKids.push(h('p', { class: 'muted small' }, `Written at ${p.location}`));

    return h('article', {
      class: `prov card st-${p.state}`, role: 'listitem', id: `prov-${p.key}`,
      'data-provision': p.key, 'data-provision-id': p.id, 'data-state': p.state,
    },
      h('div', { class: 'prov-state' },
        stateBadge(p.state),
        p.since ? h('div', { class: 'since' }, `since ${fmtDate(p.since)}`) : null),
      h('div', { class: 'prov-main' },
        h('h3', { class: 'prov-title' }, p.title || p.id),
        h('p', { class: 'prov-meta' },
          p.cites ? h('span', { class: 'cites' }, p.cites) : null,
          p.cites ? ' · ' : '',
          h('code', null, p.id),
          parties.length ? ` · ${parties.join(' ')}` : ''),
        p.reason ? h('p', { class: 'reason' }, p.reason) : null,
        p.caveats && p.caveats.length
          ? h('ul', { class: 'caveats' }, p.caveats.map((c) => h('li', null, h('strong', null, 'Caveat: '), c)))
          : null,
        h('details', { class: 'prov-details' },
          h('summary', null, ev.length ? `Evidence behind it (${ev.length} item${ev.length === 1 ? '' : 's'}) and the rule` : 'The rule (no evidence)'),
          detailsKids)),
      h('div', { class: 'prov-due' },
        h('span', { class: 'label' }, 'Due'),
        p.due ? h('span', { class: 'due-date' }, fmtDate(p.due)) : h('span', { class: 'muted' }, 'no deadline'),
        dueNote ? h('span', { class: 'muted small' }, dueNote) : null),
      h('div', { class: 'prov-progress' }, progressBlock(p.progress)));
  }

  function humanizeSummary(t) {
    return String(t || '').replace(/\b([a-z]+_[a-z_]+)\b/g, (m) => m.replace(/_/g, ' '));
  }

  function progressBlock(pr) {
    if (!pr) return h('span', { class: 'muted small' }, 'no measure');
    const kids = [
      h('span', { class: 'label' }, 'Progress'),
      h('div', { class: 'progress-values' },
        h('span', { class: 'pv' }, h('span', { class: 'muted' }, 'measured '), h('strong', null, prettyQty(pr.value))),
        h('span', { class: 'pv' }, h('span', { class: 'muted' }, 'target '), prettyTarget(pr.target))),
    ];
    if (typeof pr.fraction === 'number') {
      const pct = Math.round(Math.max(0, Math.min(1, pr.fraction)) * 100);
      kids.push(h('div', { class: 'bar', role: 'img', 'aria-label': `${pct}% of the target` },
        h('span', { class: 'bar-fill', style: `width:${pct}%` })));
      kids.push(h('span', { class: 'small' }, `${pct}%`));
    }
    return kids;
  }

  // ---------------------------------------------------------------- time axis helpers

  // Ticks between two day numbers: weeks, months, quarters or years, by span.
  function timeTicks(d0, d1, maxTicks) {
    const span = d1 - d0;
    const ticks = [];
    if (span <= 7 * maxTicks && span <= 120) {
      // Mondays
      let t = Math.ceil(d0);
      while (new Date(t * 864e5).getUTCDay() !== 1) t++;
      for (; t <= d1; t += 7) {
        const iso = numDay(t);
        const [, m, dd] = iso.split('-').map(Number);
        ticks.push({ t, label: `${dd} ${MONTHS[m - 1]}`, major: dd <= 7 });
      }
      return ticks;
    }
    const months = span / 30.44;
    const stepChoices = [1, 2, 3, 6, 12, 24];
    let step = stepChoices.find((k) => months / k <= maxTicks) || 24;
    const start = new Date(d0 * 864e5);
    let y = start.getUTCFullYear();
    let m = start.getUTCMonth();
    if (Date.UTC(y, m, 1) / 864e5 < d0) m++;
    // align to the step
    while (m % step !== 0 && step <= 12) m++;
    for (;;) {
      const t = Date.UTC(y, m, 1) / 864e5;
      if (t > d1) break;
      const mm = ((m % 12) + 12) % 12;
      const yy = y + Math.floor(m / 12);
      ticks.push({ t, label: mm === 0 || ticks.length === 0 ? `${MONTHS[mm]} ${yy}` : MONTHS[mm], major: mm === 0 });
      m += step;
    }
    return ticks;
  }

  function monthFloor(d) {
    const t = new Date(d * 864e5);
    return Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1) / 864e5;
  }

  function monthCeil(d) {
    const t = new Date(d * 864e5);
    const f = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1) / 864e5;
    return f === d ? d : Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1) / 864e5;
  }

  function truncate(text, maxChars) {
    const t = String(text || '');
    return t.length <= maxChars ? t : `${t.slice(0, maxChars - 1).trimEnd()}…`;
  }

  // ---------------------------------------------------------------- Gantt

  function ganttLegend(inside) {
    const kinds = [...new Set(inside.map((i) => i.kind))];
    return h('div', { class: 'gantt-legend' },
      h('ul', { class: 'legend legend-inline', 'aria-label': 'Bar colours' },
        STATES.map((st) => h('li', null, h('span', { class: `swatch sw-${st}`, 'aria-hidden': 'true' }), stateWord(st)))),
      h('ul', { class: 'legend legend-inline', 'aria-label': 'Marks' },
        h('li', null, h('span', { class: 'mark mark-due', 'aria-hidden': 'true' }), 'deadline'),
        h('li', null, h('span', { class: 'mark mark-change', 'aria-hidden': 'true' }), 'change of state (filled with the new state\u2019s colour)'),
        h('li', null, h('span', { class: 'mark mark-asof', 'aria-hidden': 'true' }), 'date shown'),
        kinds.map((k) => {
          const info = INTERLOCK_KIND[k] || INTERLOCK_KIND.condition;
          return h('li', { title: info.help },
            s('svg', { width: 28, height: 10, 'aria-hidden': 'true', class: 'legend-line' },
              s('line', { x1: 1, y1: 5, x2: 27, y2: 5, stroke: info.color, 'stroke-width': 2, 'stroke-dasharray': info.dash || null })),
            `${info.word || k} link`);
        })));
  }

  function ganttSvg(rows, inside, asOf, agr, width) {
    const rowH = 28;
    const top = 40;
    const bottom = 28;
    const labelW = Math.min(340, Math.round(width * 0.28));
    const rowIndex = {};
    rows.forEach((g, i) => { rowIndex[g.key] = i; });
    let maxSpan = 0;
    for (const i of inside) maxSpan = Math.max(maxSpan, Math.abs(rowIndex[i.from] - rowIndex[i.to]));
    const gutter = inside.length ? Math.min(90, 26 + maxSpan * 7) : 10;
    const x0 = labelW + gutter;
    const right = 124;
    const x1 = width - right;
    const H = top + rows.length * rowH + bottom;

    // domain
    const a = dayNum(asOf);
    let lo = a;
    let hi = a;
    const see = (d) => {
      if (!d || !isDay(String(d).slice(0, 10))) return;
      const n = dayNum(d);
      lo = Math.min(lo, n);
      hi = Math.max(hi, n);
    };
    if (agr && agr.signed) see(agr.signed);
    for (const g of rows) {
      see(g.start); see(g.due); see(g.end);
      for (const c of g.changes || []) see(c.date);
    }
    lo = monthFloor(lo);
    hi = monthCeil(hi + 1);
    if (hi - lo < 60) hi = lo + 60;
    const X = (d) => x0 + ((dayNum(d) - lo) / (hi - lo)) * (x1 - x0);
    const Xn = (n) => x0 + ((n - lo) / (hi - lo)) * (x1 - x0);

    const titleId = nextId('gantt-title');
    const svg = s('svg', {
      id: 'gantt', class: 'gantt', width, height: H, viewBox: `0 0 ${width} ${H}`,
      role: 'img', 'aria-labelledby': titleId, 'data-as-of': asOf,
    });
    svg.appendChild(s('title', { id: titleId }, `Timeline of ${rows.length} provisions up to ${asOf}`));
    const defs = hatchDefs();
    for (const [k, info] of Object.entries(INTERLOCK_KIND)) {
      defs.appendChild(s('marker', {
        id: `arrow-${k}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
      }, s('path', { d: 'M0,0 L10,5 L0,10 z', fill: info.color })));
    }
    svg.appendChild(defs);

    // zebra rows
    rows.forEach((g, i) => {
      if (i % 2 === 0) svg.appendChild(s('rect', { x: 0, y: top + i * rowH, width, height: rowH, fill: '#f6f8fa' }));
    });

    // month grid and axis labels (top and bottom)
    const ticks = timeTicks(lo, hi, Math.max(4, Math.floor((x1 - x0) / 60)));
    const axis = s('g', { class: 'axis', 'aria-hidden': 'true' });
    for (const t of ticks) {
      const x = Xn(t.t);
      axis.appendChild(s('line', { x1: x, x2: x, y1: top - 6, y2: top + rows.length * rowH, stroke: t.major ? '#8c959f' : '#d0d7de', 'stroke-width': 1 }));
      axis.appendChild(s('text', { x: x + 3, y: top - 10, class: `tick${t.major ? ' tick-major' : ''}` }, t.label));
      axis.appendChild(s('text', { x: x + 3, y: top + rows.length * rowH + 16, class: 'tick' }, t.label));
    }
    svg.appendChild(axis);

    // rows
    const mid = (i) => top + i * rowH + rowH / 2;
    rows.forEach((g, i) => {
      const y = mid(i);
      const row = s('g', { class: 'gantt-row', 'data-gantt-row': g.key, 'data-state': g.state });
      // label
      const label = s('text', { x: 8, y: y + 4, class: 'row-label' },
        s('title', null, `${g.title} (${g.id}): ${stateWord(g.state)}`),
        truncate(g.title || g.id, Math.floor((labelW - 14) / 6.6)));
      label.addEventListener('click', () => {
        const el = document.getElementById(`prov-${g.key}`);
        if (el) {
          el.scrollIntoView({ behavior: 'smooth', block: 'center' });
          const d = el.querySelector('details');
          if (d) d.open = true;
        }
      });
      row.appendChild(label);

      const changes = (g.changes || []).filter((c) => isDay(String(c.date).slice(0, 10))).slice().sort((p, q) => (p.date < q.date ? -1 : p.date > q.date ? 1 : 0));
      if (g.start) {
        const endDay = g.end && g.end < asOf ? g.end : asOf;
        const xs = X(g.start);
        const xe = Math.max(X(endDay), xs + 3);
        // segments by state over time
        const segs = [];
        const within = changes.filter((c) => c.date > g.start && c.date < endDay);
        const first = changes.filter((c) => c.date <= g.start).pop();
        let cur = { from: g.start, state: first ? first.to : (changes[0] ? changes[0].to : g.state) };
        if (cur.state === 'pending' && changes.length) {
          const firstActive = changes.find((c) => c.to !== 'pending');
          if (firstActive) cur.state = firstActive.to;
        }
        for (const c of within) {
          segs.push({ from: cur.from, to: c.date, state: cur.state });
          cur = { from: c.date, state: c.to };
        }
        segs.push({ from: cur.from, to: endDay, state: cur.state });
        for (const sg of segs) {
          const sx = X(sg.from);
          const ex = sg === segs[segs.length - 1] ? xe : X(sg.to);
          row.appendChild(s('rect', {
            class: 'seg', x: sx, y: y - 8, width: Math.max(ex - sx, 1.5), height: 16, rx: 2,
            fill: STATE_FILL[sg.state] || '#8c959f', 'data-state': sg.state,
          }, s('title', null, `${stateWord(sg.state)} from ${sg.from} to ${sg.to}`)));
        }
        row.appendChild(s('rect', { x: xs, y: y - 8, width: xe - xs, height: 16, rx: 2, fill: 'none', stroke: '#24292f', 'stroke-opacity': 0.35 }));
        row.appendChild(s('text', { x: xe + 6, y: y + 4, class: 'state-word' }, stateWord(g.state)));
      } else {
        const ax0 = X(asOf);
        const nearEnd = ax0 > x1 - 60;
        row.appendChild(s('text', { x: nearEnd ? ax0 - 6 : ax0 + 6, y: y + 4, class: 'state-word muted-svg halo', 'text-anchor': nearEnd ? 'end' : 'start' },
          s('title', null, `not in force by ${asOf}`), stateWord(g.state)));
      }
      // change markers
      for (const c of changes) {
        if (c.date > asOf) continue;
        row.appendChild(s('circle', {
          class: 'change', cx: X(c.date), cy: y, r: 4.5, fill: STATE_FILL_FLAT[c.to] || '#fff', stroke: '#24292f', 'stroke-width': 1.5,
          'data-state': c.to,
        }, s('title', null, `${c.date}: ${stateWord(c.to)}${c.reason ? ` — ${c.reason}` : ''}`)));
      }
      // due marker
      if (g.due && isDay(g.due)) {
        const dx = X(g.due);
        row.appendChild(s('path', {
          class: 'due', d: `M${dx},${y - 8} L${dx + 6},${y} L${dx},${y + 8} L${dx - 6},${y} Z`,
          fill: '#ffffff', stroke: '#24292f', 'stroke-width': 2,
        }, s('title', null, `due ${g.due}`)));
      }
      svg.appendChild(row);
    });

    // as-of line
    const ax = X(asOf);
    svg.appendChild(s('g', { class: 'asof' },
      s('line', { x1: ax, x2: ax, y1: top - 28, y2: top + rows.length * rowH + 4, stroke: '#cf222e', 'stroke-width': 2, 'stroke-dasharray': '5 3' }),
      s('text', { x: ax + (ax > width - 160 ? -4 : 4), y: top - 26, class: 'asof-label', 'text-anchor': ax > width - 160 ? 'end' : 'start' }, `as of ${asOf}`)));

    // interlocks in the gutter
    const gx = x0 - 4;
    for (const il of inside) {
      const fi = rowIndex[il.from];
      const ti = rowIndex[il.to];
      if (fi == null || ti == null || fi === ti) continue;
      const info = INTERLOCK_KIND[il.kind] || INTERLOCK_KIND.condition;
      const span = Math.abs(fi - ti);
      const w = Math.min(gutter - 8, 12 + span * 7);
      const ya = mid(ti) + (fi > ti ? 3 : -3);
      const yb = mid(fi) + (fi > ti ? -3 : 3);
      svg.appendChild(s('path', {
        class: 'interlock', d: `M${gx},${ya} C${gx - w},${ya} ${gx - w},${yb} ${gx},${yb}`,
        fill: 'none', stroke: info.color, 'stroke-width': 1.8, 'stroke-dasharray': info.dash || null,
        'marker-end': `url(#arrow-${il.kind in INTERLOCK_KIND ? il.kind : 'condition'})`,
        'data-from': il.from, 'data-to': il.to, 'data-kind': il.kind,
      }, s('title', null, `${il.from} depends on ${il.to} (${il.kind}): ${il.text || ''}`)));
    }
    return svg;
  }

  function interlockLists(inside, across, titles, asOf) {
    const short = (key) => String(key).split('.').slice(1).join('.') || key;
    const name = (key) => (titles[key] ? `${titles[key]} (${short(key)})` : key);
    const item = (il, link) => h('li', null,
      h('strong', null, link && !titles[il.from] ? linkKey(il.from, asOf) : name(il.from)),
      ' depends on ',
      h('strong', null, link && !titles[il.to] ? linkKey(il.to, asOf) : name(il.to)),
      h('span', { class: 'tag' }, humanize(il.kind)),
      il.text ? h('code', { class: 'il-text' }, il.text) : null);
    return h('div', { class: 'interlocks' },
      inside.length ? h('details', { class: 'il-box' },
        h('summary', null, `Links within this agreement (${inside.length})`),
        h('ul', null, inside.map((il) => item(il, false)))) : null,
      across.length ? h('div', { class: 'il-box' },
        h('h3', null, `Links with other agreements (${across.length})`),
        h('ul', null, across.map((il) => item(il, true)))) : null);
  }

  function linkKey(key, asOf) {
    const agr = String(key).split('.')[0];
    return h('a', { href: `#/agreement/${enc(agr)}?as_of=${asOf}` }, key);
  }

  // ---------------------------------------------------------------- charts

  function niceStep(range, n) {
    const raw = range / Math.max(n, 1);
    const mag = Math.pow(10, Math.floor(Math.log10(raw || 1)));
    const f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }

  function chartFigure(c, asOf, titles, provKeys) {
    const styleWord = { level: 'latest reading', cumulative: 'running total', weekly: 'events per week' }[c.style] || c.style;
    const svg = chartSvg(c, asOf);
    const pts = c.points || [];
    const legend = chartLegend(c, svg.dataset.asOfShown === '1');
    return h('figure', { class: 'card chart-card' },
      h('figcaption', null,
        h('h3', null, humanize(c.title || c.id)),
        h('p', { class: 'muted small' },
          `${styleWord} · `,
          (c.provisions || []).length ? 'for ' : '',
          (c.provisions || []).map((k, i) => [i ? ', ' : '', provKeys.has(k)
            ? h('a', { href: `#prov-${k}`, onclick: (ev) => { ev.preventDefault(); const el = document.getElementById(`prov-${k}`); if (el) el.scrollIntoView({ behavior: 'smooth', block: 'center' }); } }, titles[k] || k)
            : linkKey(k, asOf)]))),
      svg,
      legend,
      pts.length ? h('details', { class: 'chart-data' },
        h('summary', null, `The figures (${pts.length})`),
        h('table', { class: 'mini-table' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, c.style === 'weekly' ? 'week of' : 'date'), h('th', { scope: 'col' }, 'value'))),
          h('tbody', null, pts.map((p) => h('tr', null, h('td', null, fmtDate(p.date)), h('td', null, fmtQty(p)))))))
        : null);
  }

  function chartLegend(c, asOfShown) {
    const items = [];
    const st = c.style;
    if (st === 'weekly') items.push(h('li', null, h('span', { class: 'swatch sw-bars', 'aria-hidden': 'true' }), 'events in the week'));
    else items.push(h('li', null, h('span', { class: 'swatch sw-line', 'aria-hidden': 'true' }), st === 'level' ? 'reported level (shaded: the reported range)' : 'running total (shaded: the reported range)'));
    if ((c.lines || []).length) items.push(h('li', null, h('span', { class: 'swatch sw-commit', 'aria-hidden': 'true' }), 'commitment'));
    if ((c.windows || []).length) items.push(h('li', null, h('span', { class: 'swatch sw-window', 'aria-hidden': 'true' }), 'measuring windows'));
    if (asOfShown) items.push(h('li', null, h('span', { class: 'mark mark-asof', 'aria-hidden': 'true' }), 'date shown'));
    else items.push(h('li', { class: 'muted' }, 'the date shown is outside this chart'));
    return h('ul', { class: 'legend legend-inline small' }, items);
  }

  function chartSvg(c, asOf) {
    const W = 640;
    const H = 300;
    const m = { l: 64, r: 16, t: 16, b: 34 };
    const pts = (c.points || []).filter((p) => isDay(String(p.date).slice(0, 10)) && Number.isFinite(Number(p.high ?? p.low)))
      .slice().sort((p, q) => (p.date < q.date ? -1 : 1));
    const lines = c.lines || [];
    const wins = c.windows || [];
    const weekly = c.style === 'weekly';
    const a = dayNum(asOf);
    let lo = Infinity;
    let hi = -Infinity;
    const see = (d) => {
      if (!d || !isDay(String(d).slice(0, 10))) return;
      lo = Math.min(lo, dayNum(d));
      hi = Math.max(hi, dayNum(d));
    };
    for (const p of pts) { see(p.date); if (weekly) hi = Math.max(hi, dayNum(p.date) + 7); }
    for (const l of lines) { see(l.from); see(l.until); }
    for (const w of wins) { see(w.from); see(w.to); }
    if (!weekly || a <= hi + 14) { lo = Math.min(lo, a); hi = Math.max(hi, a); }
    if (!Number.isFinite(lo)) { lo = a - 30; hi = a + 30; }
    if (weekly) { lo -= 3; hi += 3; } else { lo = monthFloor(lo); hi = monthCeil(hi + 1); }
    if (hi - lo < 14) hi = lo + 14;
    let ymax = 0;
    for (const p of pts) ymax = Math.max(ymax, Number(p.high ?? p.low ?? 0));
    for (const l of lines) ymax = Math.max(ymax, Number(l.value || 0));
    if (ymax <= 0) ymax = 1;
    const ystep = niceStep(ymax * 1.08, 5);
    const ytop = Math.ceil((ymax * 1.08) / ystep) * ystep;
    const X = (n) => m.l + ((n - lo) / (hi - lo)) * (W - m.l - m.r);
    const Xd = (d) => X(dayNum(d));
    const Y = (v) => H - m.b - (v / ytop) * (H - m.t - m.b);
    const titleId = nextId('chart-title');
    const last = pts[pts.length - 1];
    const svg = s('svg', {
      class: 'chart', 'data-chart-id': c.id, 'data-style': c.style, viewBox: `0 0 ${W} ${H}`,
      role: 'img', 'aria-labelledby': titleId, preserveAspectRatio: 'xMidYMid meet',
    });
    svg.appendChild(s('title', { id: titleId },
      `${humanize(c.title || c.id)}: ${pts.length} reading${pts.length === 1 ? '' : 's'}${last ? `, latest ${fmtQty(last)} on ${last.date}` : ''}`));
    const clipId = nextId('clip');
    svg.appendChild(s('defs', null, s('clipPath', { id: clipId }, s('rect', { x: m.l, y: m.t - 2, width: W - m.l - m.r, height: H - m.t - m.b + 2 }))));

    // windows
    wins.forEach((w, wi) => {
      if (!w.from || !w.to) return;
      const xa = Xd(w.from);
      const xb = X(dayNum(w.to) + 1);
      const measured = /measur/i.test(w.label || '');
      svg.appendChild(s('g', { class: 'window' },
        s('rect', { x: xa, y: m.t, width: Math.max(xb - xa, 1), height: H - m.t - m.b, fill: measured ? '#ddf4ff' : '#eaeef2' }),
        s('text', { x: (xa + xb) / 2, y: m.t + 12 + (wi % 2) * 13, 'text-anchor': 'middle', class: 'win-label' }, w.label || ''),
        s('title', null, `${w.label || 'window'}: ${w.from} to ${w.to}`)));
    });
    // y grid and labels
    const g = s('g', { class: 'axis', 'aria-hidden': 'true' });
    for (let v = 0; v <= ytop + 1e-9; v += ystep) {
      g.appendChild(s('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), stroke: v === 0 ? '#57606a' : '#eaeef2' }));
      g.appendChild(s('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmtNum(v)));
    }
    const ticks = timeTicks(lo, hi, 8);
    for (const t of ticks) {
      const x = X(t.t);
      g.appendChild(s('line', { x1: x, x2: x, y1: H - m.b, y2: H - m.b + 5, stroke: '#57606a' }));
      g.appendChild(s('text', { x, y: H - m.b + 18, 'text-anchor': 'middle', class: `tick${t.major ? ' tick-major' : ''}` }, t.label));
    }
    g.appendChild(s('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, stroke: '#57606a' }));
    svg.appendChild(g);

    const plot = s('g', { 'clip-path': `url(#${clipId})` });
    svg.appendChild(plot);
    const color = '#0550ae';
    if (weekly) {
      for (const p of pts) {
        const xa = Xd(p.date) + 1;
        const xb = X(dayNum(p.date) + 7) - 1;
        const v = Number(p.high ?? p.low ?? 0);
        plot.appendChild(s('rect', { class: 'point wbar', x: xa, y: Y(v), width: Math.max(xb - xa, 1), height: Math.max(Y(0) - Y(v), 0), fill: '#54aeff', stroke: color, 'stroke-width': 1 },
          s('title', null, `week of ${p.date}: ${fmtQty(p)}`)));
      }
    } else if (pts.length) {
      const endN = Math.max(a, dayNum(last.date));
      let band = '';
      let line = '';
      pts.forEach((p, i) => {
        const xa = Xd(p.date);
        const xb = i + 1 < pts.length ? Xd(pts[i + 1].date) : X(endN);
        const lowV = Number(p.low ?? p.high);
        const highV = Number(p.high ?? p.low);
        const midV = (lowV + highV) / 2;
        if (highV > lowV) band += `M${xa},${Y(highV)} H${xb} V${Y(lowV)} H${xa} Z `;
        line += i === 0 ? `M${xa},${Y(midV)} ` : `V${Y(midV)} `;
        line += `H${xb} `;
      });
      if (band) plot.appendChild(s('path', { class: 'band', d: band, fill: color, 'fill-opacity': 0.18, stroke: 'none' }));
      plot.appendChild(s('path', { class: 'step', d: line, fill: 'none', stroke: color, 'stroke-width': 2.2 }));
      for (const p of pts) {
        const lowV = Number(p.low ?? p.high);
        const highV = Number(p.high ?? p.low);
        const x = Xd(p.date);
        if (highV > lowV) plot.appendChild(s('line', { x1: x, x2: x, y1: Y(highV), y2: Y(lowV), stroke: color, 'stroke-width': 2 }));
        plot.appendChild(s('circle', { class: 'point', cx: x, cy: Y((lowV + highV) / 2), r: 4, fill: '#fff', stroke: color, 'stroke-width': 2 },
          s('title', null, `${p.date}: ${fmtQty(p)}`)));
      }
    }
    // commitment lines
    lines.forEach((l, i) => {
      const xa = l.from ? Math.max(Xd(l.from), m.l) : m.l;
      const xb = l.until ? Math.min(Xd(l.until), W - m.r) : W - m.r;
      const y = Y(Number(l.value));
      const lg = s('g', { class: 'commitment' },
        s('line', { x1: xa, x2: xb, y1: y, y2: y, stroke: '#953800', 'stroke-width': 2, 'stroke-dasharray': '7 4' }),
        l.until ? s('line', { x1: xb, x2: xb, y1: y - 5, y2: y + 5, stroke: '#953800', 'stroke-width': 2 }) : null,
        s('title', null, `${l.label}: ${fmtNum(l.value)}${l.from ? ` from ${l.from}` : ''}${l.until ? ` until ${l.until}` : ''}`));
      const above = y - 5 > m.t + 10;
      const lx = Math.min(Math.max(xa + 4, m.l + 4), W - m.r - 4);
      const text = s('text', { x: lx, y: above ? y - 5 - (i % 2) * 0 : y + 14, class: 'line-label' }, l.label || fmtNum(l.value));
      lg.appendChild(text);
      svg.appendChild(lg);
    });
    // as_of
    svg.dataset.asOfShown = a >= lo && a <= hi ? '1' : '0';
    if (a >= lo && a <= hi) {
      const x = X(a);
      svg.appendChild(s('g', { class: 'asof' },
        s('line', { x1: x, x2: x, y1: m.t, y2: H - m.b, stroke: '#cf222e', 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }),
        s('title', null, `as of ${asOf}`)));
    }
    if (!pts.length) {
      svg.appendChild(s('text', { x: (m.l + W - m.r) / 2, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', class: 'empty-label' }, `No readings by ${asOf}`));
    }
    return svg;
  }

  // ---------------------------------------------------------------- evidence

  async function viewEvidence(el, r, live) {
    const q = r.params.get('q') || '';
    const kind = r.params.get('kind') || '';
    const offset = Math.max(0, parseInt(r.params.get('offset') || '0', 10) || 0);
    const data = await api('GET', `/evidence${qs({ q, kind, limit: EVIDENCE_PAGE, offset })}`);
    if (!live()) return;
    for (const it of data.items || []) app.kinds.add(it.kind);
    for (const k of data.kinds || []) app.kinds.add(typeof k === 'string' ? k : k.kind);
    const items = data.items || [];
    const byId = new Map(items.map((it) => [it.id, it]));
    // fetch deniers that are not on this page, to show disputes side by side
    const missing = new Set();
    for (const it of items) for (const d of it.denied_by || []) if (!byId.has(d)) missing.add(d);
    for (const it of items) if (it.rel === 'denies' && it.ref && !byId.has(it.ref)) missing.add(it.ref);
    const extra = new Map();
    await Promise.all([...missing].map(async (id) => {
      try {
        extra.set(id, await api('GET', `/evidence/${enc(id)}`));
      } catch (e) { /* shown as a link only */ }
    }));
    if (!live()) return;

    el.dataset.view = 'evidence';
    const total = data.total ?? items.length;
    const hashFor = (o) => `#/evidence${qs(Object.assign({ q, kind, offset: offset || null }, o))}`;
    const qInput = h('input', { id: 'evidence-q', name: 'q', type: 'search', value: q, placeholder: 'words, places, outlets, ids' });
    const kindSel = h('select', { id: 'evidence-kind', name: 'kind' },
      h('option', { value: '' }, 'any kind'),
      [...new Set([...app.kinds, kind].filter(Boolean))].sort().map((k) => h('option', { value: k }, humanize(k))));
    kindSel.value = kind;
    const search = h('form', { class: 'filters', role: 'search' },
      h('div', { class: 'field' }, h('label', { for: 'evidence-q' }, 'Search the evidence'), qInput),
      h('div', { class: 'field' }, h('label', { for: 'evidence-kind' }, 'Kind'), kindSel),
      h('div', { class: 'field field-buttons' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Search'),
        (q || kind) ? h('a', { class: 'btn', href: '#/evidence' }, 'Clear') : null));
    search.addEventListener('submit', (ev) => {
      ev.preventDefault();
      goHash(`#/evidence${qs({ q: qInput.value.trim(), kind: kindSel.value })}`);
    });
    kindSel.addEventListener('change', () => goHash(`#/evidence${qs({ q: qInput.value.trim(), kind: kindSel.value })}`));

    const from = total ? offset + 1 : 0;
    const to = offset + items.length;
    const pager = () => h('nav', { class: 'pager', 'aria-label': 'Pages of evidence' },
      h('span', null, total ? `Items ${from}–${to} of ${total}` : 'No items'),
      offset > 0 ? h('a', { class: 'btn btn-small', href: hashFor({ offset: Math.max(0, offset - EVIDENCE_PAGE) || null }) }, '← Previous') : null,
      to < total ? h('a', { class: 'btn btn-small', href: hashFor({ offset: offset + EVIDENCE_PAGE }) }, 'Next →') : null);

    const list = h('div', { class: 'ev-items', id: 'evidence-list' });
    const shownAsDenial = new Set();
    for (const it of items) {
      if ((it.rel === 'denies') && it.ref && byId.has(it.ref)) shownAsDenial.add(it.id);
    }
    const shownDisputes = new Set();
    for (const it of items) {
      if (shownAsDenial.has(it.id)) continue;
      if (it.rel === 'denies' && it.ref && extra.has(it.ref)) {
        // a denial whose report is on another page: show the pair here
        const rep = extra.get(it.ref);
        if (shownDisputes.has(rep.id)) continue;
        shownDisputes.add(rep.id);
        const deniers = (rep.denied_by && rep.denied_by.length ? rep.denied_by : [it.id]).map((d) => byId.get(d) || extra.get(d) || d);
        list.appendChild(disputeBox(rep, deniers));
        continue;
      }
      if ((it.denied_by || []).length) {
        const deniers = it.denied_by.map((d) => byId.get(d) || extra.get(d) || d);
        list.appendChild(disputeBox(it, deniers));
      } else {
        list.appendChild(evidenceCard(it));
      }
    }
    const page = h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('div', null,
          h('h1', null, 'Evidence'),
          h('p', { class: 'lead' }, 'Dated, sourced reports of what happened. Reports that contradict each other are shown side by side; corrections and retractions never erase the original.'))),
      search,
      canWriteEvidence() ? addEvidencePanel() : null,
      pager(),
      items.length ? list : h('p', { class: 'empty' }, q || kind ? 'No item matches this search.' : 'No evidence yet.'),
      items.length > 5 ? pager() : null);
    clear(el).appendChild(page);
    takeFlash(page);
    setStatus(`Evidence: ${total} item${total === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}${kind ? ` of kind ${humanize(kind)}` : ''}`);
  }

  async function viewEvidenceItem(el, r, live) {
    const id = r.parts[1];
    const it = await api('GET', `/evidence/${enc(id)}`);
    if (!live()) return;
    const relIds = new Set([...(it.denied_by || []), ...(it.corrected_by || []), ...(it.retracted_by || [])]);
    if (it.corrects) relIds.add(it.corrects);
    if (it.ref) relIds.add(it.ref);
    relIds.delete(it.id);
    const related = new Map();
    await Promise.all([...relIds].map(async (rid) => {
      try { related.set(rid, await api('GET', `/evidence/${enc(rid)}`)); } catch (e) { /* link only */ }
    }));
    if (!live()) return;
    el.dataset.view = 'evidence-item';
    const relSection = (title, ids) => (ids.length ? h('section', { class: 'block' }, h('h2', null, title),
      ids.map((x) => (related.get(x) ? evidenceCard(related.get(x)) : h('p', null, h('a', { href: `#/evidence/${enc(x)}` }, x))))) : null);
    const page = h('section', { class: 'page' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/evidence' }, '← All evidence')),
      h('h1', null, `Evidence item ${it.id}`),
      (it.denied_by || []).length
        ? disputeBox(it, it.denied_by.map((d) => related.get(d) || d))
        : evidenceCard(it),
      it.ref && it.rel !== 'asserts' ? relSection(it.rel === 'denies' ? 'The report it denies' : it.rel === 'retracts' ? 'The report it withdraws' : 'The report it replaces', [it.ref]) : null,
      relSection('Corrected by', it.corrected_by || []),
      relSection('Retracted by', it.retracted_by || []));
    clear(el).appendChild(page);
    takeFlash(page);
    setStatus(`Evidence item ${it.id}`);
  }

  function disputeBox(it, deniers) {
    return h('div', { class: 'dispute', 'data-dispute': it.id },
      h('h3', { class: 'dispute-title' }, h('span', { class: 'tag tag-dispute' }, 'disputed'),
        ` ${deniers.length + 1} reports disagree`),
      h('div', { class: 'dispute-grid' },
        h('div', { class: 'dispute-side' }, h('p', { class: 'side-label' }, 'The report'), evidenceCard(it)),
        h('div', { class: 'dispute-side' }, h('p', { class: 'side-label' }, deniers.length > 1 ? 'Denied by' : 'Denied by'),
          deniers.map((d) => (typeof d === 'string'
            ? h('p', null, h('a', { href: `#/evidence/${enc(d)}` }, d))
            : evidenceCard(d))))));
  }

  function evidenceCard(it) {
    const src = it.source || {};
    const retracted = (it.retracted_by || []).length > 0;
    const corrected = (it.corrected_by || []).length > 0;
    const tags = [];
    if (retracted) tags.push(h('span', { class: 'tag tag-retracted' }, 'retracted'));
    if (corrected) tags.push(h('span', { class: 'tag tag-corrected' }, 'corrected'));
    if ((it.denied_by || []).length) tags.push(h('span', { class: 'tag tag-dispute' }, 'denied'));
    if (it.rel === 'denies') tags.push(h('span', { class: 'tag tag-dispute' }, 'a denial'));
    if (it.rel === 'corrects') tags.push(h('span', { class: 'tag tag-corrected' }, 'a correction'));
    if (it.rel === 'retracts') tags.push(h('span', { class: 'tag tag-retracted' }, 'a retraction'));
    const who = it.actor || it.target ? [it.actor || '?', it.target ? ` → ${it.target}` : ''] : null;
    const link = (x) => h('a', { href: `#/evidence/${enc(x)}` }, x);
    const rels = [];
    const list = (label, ids) => { if (ids && ids.length) rels.push(h('li', null, `${label} `, ids.map((x, i) => [i ? ', ' : '', link(x)]))); };
    list('Corrected by', it.corrected_by);
    list('Retracted by', it.retracted_by);
    list('Denied by', it.denied_by);
    if (it.corrects) list('Corrects', [it.corrects]);
    else if (it.rel === 'corrects' && it.ref) list('Corrects', [it.ref]);
    if (it.rel === 'denies' && it.ref) list('Denies', [it.ref]);
    if (it.rel === 'retracts' && it.ref) list('Withdraws', [it.ref]);

    const actions = h('div', { class: 'ev-actions' });
    const formSlot = h('div', { class: 'ev-form-slot' });
    if (canWriteEvidence() && it.rel !== 'retracts') {
      actions.appendChild(h('button', {
        type: 'button', class: 'btn btn-small', 'aria-expanded': 'false',
        onclick: (ev) => toggleForm(ev.currentTarget, formSlot, () => evidenceForm('correct', it)),
      }, 'Correct'));
      if (!retracted) {
        actions.appendChild(h('button', {
          type: 'button', class: 'btn btn-small', 'aria-expanded': 'false',
          onclick: (ev) => toggleForm(ev.currentTarget, formSlot, () => retractForm(it)),
        }, 'Retract'));
      }
    }
    return h('article', {
      class: `ev card${retracted ? ' is-retracted' : ''}`, id: `ev-${it.id}`, 'data-evidence': it.id, 'data-rel': it.rel || 'asserts',
    },
      h('div', { class: 'ev-head' },
        h('span', { class: 'ev-date' }, fmtDate(it.date)),
        h('span', { class: 'kind' }, humanize(it.kind)),
        who ? h('span', { class: 'who' }, who) : null,
        it.quantity != null ? h('span', { class: 'qty' }, fmtQty(it.quantity)) : null,
        it.place ? h('span', { class: 'place' }, it.place) : null,
        tags),
      h('p', { class: 'ev-source' }, h('span', { class: 'label' }, 'Source: '),
        src.url ? h('a', { href: src.url, rel: 'noopener noreferrer', target: '_blank' }, src.title || src.url) : (src.title ? `“${src.title}”` : ''),
        src.outlet ? ` — ${src.outlet}` : '', src.date ? `, ${fmtDate(src.date)}` : ''),
      it.note ? h('p', { class: 'ev-note' }, it.note) : null,
      rels.length ? h('ul', { class: 'ev-rels' }, rels) : null,
      h('p', { class: 'ev-ref muted small' }, link(it.id),
        it.origin && it.origin.file ? ` · ${it.origin.file}${it.origin.row ? ` row ${it.origin.row}` : ''}` : ''),
      actions.childNodes.length ? actions : null,
      formSlot);
  }

  function toggleForm(btn, slot, make) {
    const open = btn.getAttribute('aria-expanded') === 'true';
    for (const b of btn.parentNode.querySelectorAll('button')) b.setAttribute('aria-expanded', 'false');
    clear(slot);
    if (!open) {
      btn.setAttribute('aria-expanded', 'true');
      const f = make();
      slot.appendChild(f);
      const first = f.querySelector('input, select, textarea');
      if (first) first.focus();
    }
  }

  // A labelled field with an error slot; `name` is the API's field name (e.g. "source.outlet").
  function field(form, name, label, opts) {
    const o = opts || {};
    const id = nextId(`f-${name.replace(/\W/g, '-')}`);
    const errId = `${id}-err`;
    const hintId = o.hint ? `${id}-hint` : null;
    let input;
    if (o.type === 'textarea') input = h('textarea', { id, name, rows: o.rows || 3, 'aria-describedby': [hintId, errId].filter(Boolean).join(' '), value: o.value || '', class: o.mono ? 'mono' : null });
    else if (o.type === 'select') input = h('select', { id, name, 'aria-describedby': errId }, o.options.map(([v, t]) => h('option', { value: v }, t)));
    else input = h('input', { id, name, type: o.type || 'text', value: o.value || '', placeholder: o.placeholder || null, required: o.required || null, list: o.list || null, autocomplete: 'off', 'aria-describedby': [hintId, errId].filter(Boolean).join(' ') });
    if (o.type === 'select' && o.value != null) input.value = o.value;
    const wrap = h('div', { class: `field${o.wide ? ' field-wide' : ''}`, 'data-field': name },
      h('label', { for: id }, label, o.required ? h('span', { class: 'req' }, ' (required)') : null),
      input,
      o.hint ? h('span', { class: 'hint', id: hintId }, o.hint) : null,
      h('span', { class: 'field-error', id: errId, role: 'alert' }));
    return wrap;
  }

  function clearErrors(form) {
    for (const e of form.querySelectorAll('.field-error')) e.textContent = '';
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    const g = form.querySelector('.form-error');
    if (g) { g.textContent = ''; g.hidden = true; }
  }

  // Shows an API error next to the field it names, or at the top of the form.
  function showFormError(form, e) {
    const name = e.field;
    let wrap = null;
    if (name) {
      wrap = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
      if (!wrap) {
        // "source" -> first source.* field; "source.outlet" -> "outlet"
        wrap = form.querySelector(`[data-field^="${CSS.escape(name)}."]`) ||
          form.querySelector(`[data-field="${CSS.escape(name.split('.').pop())}"]`);
      }
    }
    if (wrap) {
      wrap.querySelector('.field-error').textContent = e.message;
      const input = wrap.querySelector('input, select, textarea');
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    } else {
      const g = form.querySelector('.form-error');
      g.textContent = e.message;
      g.hidden = false;
    }
  }

  function collect(form) {
    const body = {};
    for (const el of form.querySelectorAll('[name]')) {
      if (el.type === 'file' || el.type === 'submit') continue;
      const v = el.value.trim();
      if (v === '') continue;
      const path = el.name.split('.');
      let o = body;
      for (let i = 0; i < path.length - 1; i++) o = o[path[i]] = o[path[i]] || {};
      o[path[path.length - 1]] = v;
    }
    return body;
  }

  function kindList() {
    let dl = document.getElementById('kinds-list');
    if (!dl) {
      dl = h('datalist', { id: 'kinds-list' });
      document.body.appendChild(dl);
    }
    clear(dl);
    for (const k of [...app.kinds].sort()) dl.appendChild(h('option', { value: k }));
    return 'kinds-list';
  }

  function sourceFields(form, src, required) {
    const x = src || {};
    return h('fieldset', { class: 'fieldset' }, h('legend', null, 'Source'),
      h('div', { class: 'grid-fields' },
        field(form, 'source.outlet', 'Outlet', { value: x.outlet, required, placeholder: 'e.g. Reuters' }),
        field(form, 'source.date', 'Published on', { type: 'date', value: isDay(x.date || '') ? x.date : '' }),
        field(form, 'source.title', 'Title', { value: x.title, wide: true }),
        field(form, 'source.url', 'Address (URL)', { type: 'url', value: x.url, wide: true, placeholder: 'https://…' })));
  }

  function itemFields(form, it, mode) {
    const x = it || {};
    const list = kindList();
    return [
      h('div', { class: 'grid-fields' },
        field(form, 'id', 'Item id', mode === 'add'
          ? { required: true, placeholder: 'e.g. troops-2020-07-14', hint: 'A short unique name.' }
          : { placeholder: `default: ${x.id}-corr-N`, hint: 'Optional.' }),
        field(form, 'date', 'Date', { value: x.date, required: true, placeholder: 'YYYY-MM-DD', hint: 'A day (2020-06-01) or a range (2020-05-26..2020-05-27).' }),
        field(form, 'kind', 'Kind', { value: x.kind, required: true, list, hint: 'One the agreements declare.' }),
        field(form, 'actor', 'Actor (who did it)', { value: x.actor }),
        field(form, 'target', 'Target (to whom)', { value: x.target }),
        field(form, 'quantity', 'Quantity', { value: qtyInput(x.quantity), placeholder: '5000, 4000..5000 or ~5000' }),
        field(form, 'place', 'Place', { value: x.place }),
        mode === 'add' ? field(form, 'rel', 'This item', {
          type: 'select', value: 'asserts',
          options: [['asserts', 'reports something'], ['denies', 'denies another item']],
        }) : null,
        mode === 'add' ? field(form, 'ref', 'Item it denies', { hint: 'Only for a denial: the other item\u2019s id.' }) : null),
      sourceFields(form, x.source, true),
      field(form, 'note', 'Note', { type: 'textarea', value: x.note, wide: true }),
    ];
  }

  function formShell(title, kids, submitLabel, onSubmit) {
    const form = h('form', { class: 'ev-form', novalidate: true });
    append(form, [h('h3', null, title), kids,
      h('p', { class: 'form-error error-box', role: 'alert', hidden: true }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel))]);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      try {
        await onSubmit(form);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return;
        showFormError(form, e);
      } finally {
        btn.disabled = false;
      }
    });
    return form;
  }

  function evidenceForm(mode, it) {
    const form = formShell(mode === 'add' ? 'Add an evidence item' : `Correct ${it.id}`, [], mode === 'add' ? 'Add the item' : 'Record the correction', async (f) => {
      const body = collect(f);
      const res = mode === 'add'
        ? await api('POST', '/evidence', body)
        : await api('POST', `/evidence/${enc(it.id)}/correct`, body);
      app.flash = mode === 'add' ? `Added ${res.id}.` : `Recorded the correction ${res.id} of ${it.id}.`;
      route();
    });
    const kids = itemFields(form, mode === 'add' ? null : it, mode);
    if (mode !== 'add') kids.unshift(h('p', { class: 'muted small' }, 'The original stays on record; the correction replaces it for judging. Fields are filled in from the original: change what the source corrected.'));
    form.insertBefore(h('div', null, kids), form.querySelector('.form-error'));
    return form;
  }

  function retractForm(it) {
    const form = formShell(`Retract ${it.id}`, [], 'Record the retraction', async (f) => {
      const body = collect(f);
      const res = await api('POST', `/evidence/${enc(it.id)}/retract`, body);
      app.flash = `Recorded the retraction ${res.id} of ${it.id}.`;
      route();
    });
    form.insertBefore(h('div', null,
      h('p', { class: 'muted small' }, 'A retraction withdraws the item; it stays on record. Say which source withdrew it.'),
      h('div', { class: 'grid-fields' }, field(form, 'id', 'Retraction id', { hint: 'Optional.' })),
      sourceFields(form, null, true),
      field(form, 'note', 'Note', { type: 'textarea', wide: true })), form.querySelector('.form-error'));
    return form;
  }

  function addEvidencePanel() {
    const d = h('details', { class: 'card add-panel' }, h('summary', null, 'Add an evidence item'));
    d.addEventListener('toggle', () => {
      if (d.open && d.childNodes.length === 1) d.appendChild(evidenceForm('add'));
    });
    return d;
  }

  // ---------------------------------------------------------------- admin

  async function viewAdmin(el, r, live) {
    el.dataset.view = 'admin';
    const page = h('section', { class: 'page admin-page' },
      h('h1', null, isAdmin() ? 'Administration' : 'Your API tokens'));
    const sections = [];
    if (isAdmin()) {
      sections.push(['docs', 'Agreement files', documentsSection]);
      sections.push(['users', 'Users', usersSection]);
    }
    sections.push(['tokens', isAdmin() ? 'Your API tokens' : 'Tokens', tokensSection]);
    if (isAdmin()) sections.push(['audit', 'Audit log', auditSection]);
    if (isAdmin()) {
      page.appendChild(h('nav', { class: 'admin-toc', 'aria-label': 'Sections' },
        sections.map(([k, t]) => h('a', {
          href: `#/admin`, onclick: (ev) => { ev.preventDefault(); document.getElementById(`admin-${k}`).scrollIntoView({ behavior: 'smooth' }); },
        }, t))));
    }
    const slots = sections.map(([k, t]) => {
      const slot = h('section', { class: 'block', id: `admin-${k}`, 'aria-labelledby': `h-admin-${k}` },
        h('h2', { id: `h-admin-${k}` }, t), h('div', { class: 'slot' }, h('p', { class: 'muted' }, 'Loading…')));
      page.appendChild(slot);
      return slot.querySelector('.slot');
    });
    clear(el).appendChild(page);
    takeFlash(page);
    await Promise.all(sections.map(async ([, , fn], i) => {
      try {
        await fn(slots[i], live);
      } catch (e) {
        if (!live()) return;
        clear(slots[i]).appendChild(errorBox(e, 'Could not load this section: '));
      }
    }));
    if (live()) setStatus(isAdmin() ? 'Administration' : 'Your API tokens');
  }

  function table(headers, rows, opts) {
    return h('div', { class: 'table-wrap' }, h('table', { class: `data-table${opts && opts.cls ? ' ' + opts.cls : ''}` },
      opts && opts.caption ? h('caption', { class: 'sr-only' }, opts.caption) : null,
      h('thead', null, h('tr', null, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, rows)));
  }

  async function documentsSection(slot, live) {
    const docs = await api('GET', '/documents');
    if (!live()) return;
    const viewer = h('div', { class: 'doc-viewer' });
    const rows = (docs || []).map((d) => h('tr', { 'data-document': d.name },
      h('th', { scope: 'row' }, h('code', null, d.name)),
      h('td', null, String(d.version ?? '')),
      h('td', null, d.added_by || ''),
      h('td', null, fmtTime(d.added_at)),
      h('td', null, fmtBytes(d.bytes)),
      h('td', { class: 'actions' },
        h('button', {
          type: 'button', class: 'btn btn-small',
          onclick: async () => {
            clear(viewer).appendChild(h('p', { class: 'muted' }, `Loading ${d.name}…`));
            try {
              const full = await api('GET', `/documents/${enc(d.name)}`);
              clear(viewer).append(
                h('h3', null, `${full.name}, version ${full.version}`),
                h('div', { class: 'form-actions' },
                  h('button', { type: 'button', class: 'btn btn-small', onclick: () => { nameIn.value = full.name; textIn.value = full.text || ''; nameIn.scrollIntoView({ behavior: 'smooth' }); textIn.focus(); } }, 'Edit a copy below'),
                  h('button', { type: 'button', class: 'btn btn-small', onclick: () => clear(viewer) }, 'Close')),
                h('pre', { class: 'doc-text' }, full.text || ''));
            } catch (e) {
              clear(viewer).appendChild(errorBox(e));
            }
          },
        }, 'View'),
        h('button', {
          type: 'button', class: 'btn btn-small btn-danger',
          onclick: async () => {
            if (!confirm(`Withdraw ${d.name}? Its earlier versions stay on record.`)) return;
            try {
              await api('DELETE', `/documents/${enc(d.name)}`);
              app.flash = `Withdrew ${d.name}.`;
              route();
            } catch (e) {
              alert(e.message);
            }
          },
        }, 'Withdraw'))));

    // upload form
    const form = h('form', { class: 'upload-form', novalidate: true });
    const nameW = field(form, 'name', 'File name', { required: true, placeholder: 'e.g. agreement.pactum', hint: 'Uploading a name that exists adds a new version.' });
    const nameIn = nameW.querySelector('input');
    const fileId = nextId('doc-file');
    const fileIn = h('input', { type: 'file', id: fileId, accept: '.pactum,text/plain' });
    const textW = field(form, 'text', 'Agreement text', { type: 'textarea', rows: 14, wide: true, mono: true, hint: 'Paste the text, or pick a file above.' });
    const textIn = textW.querySelector('textarea');
    fileIn.addEventListener('change', async () => {
      const f = fileIn.files && fileIn.files[0];
      if (!f) return;
      textIn.value = await f.text();
      if (!nameIn.value) nameIn.value = f.name;
    });
    const result = h('div', { class: 'upload-result', 'aria-live': 'polite' });
    const checkBtn = h('button', { type: 'button', class: 'btn' }, 'Check only');
    append(form, [
      h('h3', null, 'Upload an agreement file'),
      h('div', { class: 'grid-fields' }, nameW, h('div', { class: 'field' }, h('label', { for: fileId }, 'Or pick a file'), fileIn)),
      textW,
      h('p', { class: 'form-error error-box', role: 'alert', hidden: true }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload'), checkBtn),
      result]);
    const diagList = (diags, title, cls) => h('div', { class: cls },
      h('p', null, h('strong', null, title)),
      diags.map((d) => h('pre', { class: 'diag' }, d.rendered || d.message || JSON.stringify(d))));
    const validate = () => {
      clearErrors(form);
      clear(result);
      if (!nameIn.value.trim()) { showFormError(form, { field: 'name', message: 'Give the file a name, like agreement.pactum.' }); return false; }
      if (!textIn.value.trim()) { showFormError(form, { field: 'text', message: 'The file is empty: paste its text or pick a file.' }); return false; }
      return true;
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!validate()) return;
      const name = nameIn.value.trim();
      try {
        const res = await api('PUT', `/documents/${enc(name)}`, { text: textIn.value });
        const doc = (res && (res.document || res)) || {};
        const warns = (res && res.warnings) || [];
        clear(result).append(
          h('p', { class: 'success', role: 'status' }, `Saved ${doc.name || name}${doc.version ? `, version ${doc.version}` : ''}.`),
          warns.length ? diagList(warns, `${warns.length} warning${warns.length === 1 ? '' : 's'} (the file was stored):`, 'warnings') : h('p', { class: 'muted' }, 'No warnings.'));
        const fresh = await api('GET', '/documents').catch(() => null);
        if (fresh) {
          const tmp = h('div');
          await documentsSection(tmp, () => true);
          // keep the result message visible under the refreshed table
          const newTable = tmp.querySelector('.table-wrap');
          const oldTable = slot.querySelector('.table-wrap, .empty');
          if (newTable && oldTable) oldTable.replaceWith(newTable);
        }
      } catch (e) {
        if (e.status === 422 && e.diagnostics) {
          clear(result).appendChild(diagList(e.diagnostics, `${e.message}${/[.!?]$/.test(e.message) ? '' : '.'} Nothing was stored.`, 'diagnostics error-box'));
        } else showFormError(form, e);
      }
    });
    checkBtn.addEventListener('click', async () => {
      if (!validate()) return;
      try {
        const res = await api('POST', '/check', { name: nameIn.value.trim(), text: textIn.value });
        const diags = (res && res.diagnostics) || [];
        clear(result).appendChild(diags.length
          ? diagList(diags, res.ok ? 'No errors; warnings:' : 'The file has errors:', res.ok ? 'warnings' : 'diagnostics error-box')
          : h('p', { class: 'success' }, 'No problems found. Nothing was stored.'));
      } catch (e) {
        if (e.status === 422 && e.diagnostics) clear(result).appendChild(diagList(e.diagnostics, e.message, 'diagnostics error-box'));
        else showFormError(form, e);
      }
    });

    clear(slot).append(
      docs && docs.length
        ? table(['File', 'Version', 'Added by', 'Added at', 'Size', ''], rows, { caption: 'Agreement files' })
        : h('p', { class: 'empty' }, 'No agreement files yet.'),
      viewer,
      h('div', { class: 'card' }, form));
  }

  async function usersSection(slot, live) {
    const users = await api('GET', '/users');
    if (!live()) return;
    const rows = (users || []).map((u) => {
      const selId = nextId('role');
      const sel = h('select', { id: selId }, ROLES.map((r) => h('option', { value: r }, r)));
      sel.value = u.role;
      const msg = h('span', { class: 'inline-msg', role: 'status' });
      sel.addEventListener('change', async () => {
        msg.textContent = 'Saving…';
        try {
          await api('PATCH', `/users/${enc(u.name)}`, { role: sel.value });
          msg.textContent = `Saved: ${sel.value}`;
          u.role = sel.value;
        } catch (e) {
          msg.textContent = e.message;
          msg.classList.add('field-error');
          sel.value = u.role;
        }
      });
      const disabled = !!u.disabled;
      return h('tr', { 'data-user': u.name },
        h('th', { scope: 'row' }, u.name, app.user && u.name === app.user.name ? h('span', { class: 'muted' }, ' (you)') : null),
        h('td', null, h('label', { for: selId, class: 'sr-only' }, `Role of ${u.name}`), sel, ' ', msg),
        h('td', null, fmtTime(u.created_at)),
        h('td', null, disabled ? h('span', { class: 'tag tag-retracted' }, 'disabled') : 'active',
          ' ',
          h('button', {
            type: 'button', class: 'btn btn-small',
            onclick: async () => {
              try {
                await api('PATCH', `/users/${enc(u.name)}`, { disabled: !disabled });
                app.flash = `${u.name} is now ${disabled ? 'enabled' : 'disabled'}.`;
                route();
              } catch (e) { alert(e.message); }
            },
          }, disabled ? 'Enable' : 'Disable')));
    });
    const form = h('form', { class: 'inline-form', novalidate: true });
    append(form, [
      h('h3', null, 'Add a user'),
      h('div', { class: 'grid-fields' },
        field(form, 'name', 'Name', { required: true }),
        field(form, 'role', 'Role', { type: 'select', value: 'viewer', options: [['viewer', 'viewer: reads'], ['monitor', 'monitor: also records evidence'], ['admin', 'admin: everything']] }),
        field(form, 'password', 'Password', { type: 'password', required: true })),
      h('p', { class: 'form-error error-box', role: 'alert', hidden: true }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add the user'))]);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const body = collect(form);
      try {
        await api('POST', '/users', body);
        app.flash = `Added the user ${body.name}.`;
        route();
      } catch (e) { showFormError(form, e); }
    });
    clear(slot).append(table(['Name', 'Role', 'Created', 'Status'], rows, { caption: 'Users' }), h('div', { class: 'card' }, form));
  }

  async function tokensSection(slot, live) {
    const tokens = await api('GET', '/tokens');
    if (!live()) return;
    const secretBox = h('div', { class: 'secret-slot', 'aria-live': 'polite' });
    const rows = (tokens || []).map((t) => h('tr', { 'data-token': t.id },
      h('th', { scope: 'row' }, t.label || ''),
      h('td', null, h('code', null, t.id)),
      h('td', null, fmtTime(t.created_at)),
      h('td', null, t.last_used ? fmtTime(t.last_used) : h('span', { class: 'muted' }, 'never')),
      h('td', null, h('button', {
        type: 'button', class: 'btn btn-small btn-danger',
        onclick: async () => {
          if (!confirm(`Revoke the token “${t.label}”? Programs using it will stop working.`)) return;
          try {
            await api('DELETE', `/tokens/${enc(t.id)}`);
            app.flash = `Revoked the token ${t.label}.`;
            route();
          } catch (e) { alert(e.message); }
        },
      }, 'Revoke'))));
    const form = h('form', { class: 'inline-form', novalidate: true });
    append(form, [
      h('h3', null, 'Make a token'),
      h('p', { class: 'muted small' }, 'Programs use a token to call the API as you, with your role.'),
      h('div', { class: 'grid-fields' }, field(form, 'label', 'What it is for', { required: true, placeholder: 'e.g. nightly import' })),
      h('p', { class: 'form-error error-box', role: 'alert', hidden: true }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Make the token')),
      secretBox]);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const body = collect(form);
      try {
        const res = await api('POST', '/tokens', body);
        const code = h('code', { class: 'secret', id: 'token-secret' }, res.token);
        clear(secretBox).appendChild(h('div', { class: 'secret-box', role: 'alert' },
          h('p', null, h('strong', null, 'Copy this token now: it will not be shown again.')),
          code, ' ',
          h('button', {
            type: 'button', class: 'btn btn-small',
            onclick: async (e2) => {
              try { await navigator.clipboard.writeText(res.token); e2.currentTarget.textContent = 'Copied'; } catch (x) { e2.currentTarget.textContent = 'Select it and copy'; }
            },
          }, 'Copy')));
        form.querySelector('[name=label]').value = '';
        const tmp = h('div');
        await tokensSectionTable(tmp);
        const oldT = slot.querySelector('.table-wrap, .empty');
        if (oldT && tmp.firstChild) oldT.replaceWith(tmp.firstChild);
      } catch (e) { showFormError(form, e); }
    });
    clear(slot).append(
      rows.length ? table(['Label', 'Id', 'Created', 'Last used', ''], rows, { caption: 'Your API tokens' }) : h('p', { class: 'empty' }, 'You have no API tokens.'),
      h('div', { class: 'card' }, form));
    // refresh only the table (keeps the secret visible)
    async function tokensSectionTable(target) {
      const tmpSlot = h('div');
      await tokensSection(tmpSlot, () => true);
      const t = tmpSlot.querySelector('.table-wrap, .empty');
      if (t) target.appendChild(t);
    }
  }

  async function auditSection(slot, live) {
    const tbody = h('tbody');
    const more = h('button', { type: 'button', class: 'btn' }, 'Show older entries');
    const msg = h('p', { class: 'muted small', 'aria-live': 'polite' });
    let before = null;
    const load = async () => {
      more.disabled = true;
      const list = await api('GET', `/audit${qs({ limit: 50, before })}`);
      for (const a of list || []) {
        tbody.appendChild(h('tr', null,
          h('td', null, String(a.seq)),
          h('td', null, fmtTime(a.at)),
          h('td', null, a.user || ''),
          h('td', null, humanize(a.action)),
          h('td', null, a.target ? h('code', null, a.target) : ''),
          h('td', { class: 'detail' }, typeof a.detail === 'string' ? a.detail : a.detail ? JSON.stringify(a.detail) : '')));
        before = a.seq;
      }
      more.disabled = false;
      if (!list || list.length < 50) { more.hidden = true; msg.textContent = 'That is the whole log.'; }
    };
    more.addEventListener('click', () => load().catch((e) => { msg.textContent = e.message; more.disabled = false; }));
    await load();
    if (!live()) return;
    clear(slot).append(
      h('div', { class: 'table-wrap' }, h('table', { class: 'data-table audit' },
        h('caption', { class: 'sr-only' }, 'Audit log, newest first'),
        h('thead', null, h('tr', null, ['#', 'When', 'Who', 'What', 'On', 'Detail'].map((x) => h('th', { scope: 'col' }, x)))),
        tbody)),
      h('div', { class: 'form-actions' }, more), msg);
  }

  // ---------------------------------------------------------------- boot

  async function boot() {
    setReady(false);
    ensureDefs();
    document.getElementById('logout').addEventListener('click', logout);
    window.addEventListener('hashchange', () => { if (app.user) route(); });
    let resizeTimer = null;
    let lastW = window.innerWidth;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (Math.abs(window.innerWidth - lastW) > 40 && app.user && /^agreement:/.test(main().dataset.view || '')) {
          lastW = window.innerWidth;
          main().dataset.view = 'stale';
          route();
        }
      }, 300);
    });
    try {
      const res = await api('GET', '/session');
      app.user = res.user || (res.public_read ? { name: 'guest', role: 'viewer', guest: true } : null);
      app.csrf = res.csrf || null;
      if (!app.user) {
        showLogin('');
        return;
      }
    } catch (e) {
      if (e.status === 401) {
        showLogin('');
        return;
      }
      clear(main()).appendChild(h('section', { class: 'page' }, errorBox(e, 'The server could not be reached: '),
        h('p', null, h('button', { type: 'button', class: 'btn', onclick: () => location.reload() }, 'Try again'))));
      setStatus(`Error: ${e.message}`);
      setReady(true);
      return;
    }
    showShell();
    await route();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
