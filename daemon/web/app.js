// SPDX-License-Identifier: EUPL-1.2
// batond's web page: log in with a token, then the inbox, the outbox, the consent register, the
// audit trail and the reports, all through the admin API under /api/v1/. The token is kept in
// this tab's sessionStorage only. Every text is made with textContent: nothing the daemon sends is
// ever read as HTML.
'use strict';

const TEXT = {
  nl: {
    skip: 'Naar de inhoud',
    'nav.label': 'Hoofdmenu',
    'nav.inbox': 'Inbox',
    'nav.outbox': 'Verzonden',
    'nav.consents': 'Toestemmingen',
    'nav.audit': 'Audit',
    'nav.reports': 'Rapporten',
    logout: 'Uitloggen',
    switchLang: 'English',
    loginTitle: 'Inloggen',
    loginIntro: 'Log in met het token dat de beheerder van baton u gaf. Het token blijft alleen in dit tabblad bewaard.',
    token: 'Token',
    login: 'Inloggen',
    loginBad: 'Dit token is onbekend. Controleer het of vraag de beheerder om een nieuw token.',
    loggedOut: 'U bent uitgelogd.',
    sessionGone: 'Uw sessie is verlopen of het token is niet meer geldig: log opnieuw in.',
    loading: 'Laden…',
    refused: 'Geweigerd',
    error: 'Fout',
    as: (name, role) => `${name} (${role})`,
    role: { caseworker: 'casemanager', 'privacy-officer': 'functionaris gegevensbescherming', administrator: 'beheerder' },
    inboxTitle: 'Ontvangen overdrachten',
    inboxEmpty: 'Er zijn geen ontvangen overdrachten.',
    outboxTitle: 'Verzonden overdrachten',
    outboxEmpty: 'Er zijn geen verzonden overdrachten.',
    from: 'Van',
    to: 'Aan',
    form: 'Formulier',
    received: 'Ontvangen',
    created: 'Verzonden',
    state: 'Status',
    deadline: 'Overnemen uiterlijk',
    open: 'Openen',
    openItem: (what) => `${what} openen`,
    states: {
      new: 'nieuw, wacht op overname', accepted: 'overgenomen', rejected: 'afgewezen',
      queued: 'in de wachtrij', delivered: 'afgeleverd', undeliverable: 'niet af te leveren',
      withdrawn: 'ingetrokken', valid: 'geldig', expired: 'verlopen',
    },
    overdue: 'te laat',
    back: 'Terug naar het overzicht',
    purpose: 'Doel',
    basis: 'Grondslag',
    by: 'Overgenomen door',
    decidedBy: 'Door',
    reason: 'Reden',
    decided: 'Besloten',
    print: 'Afdrukken',
    acceptTitle: 'Overnemen',
    acceptIntro: 'Neemt u deze jongere over? Vul uw naam en functie in; de school krijgt een ondertekende bevestiging.',
    acceptBy: 'Naam en functie',
    accept: 'Overnemen',
    rejectTitle: 'Afwijzen',
    rejectReason: 'Reden van afwijzen',
    reject: 'Afwijzen',
    acceptedMsg: 'De overdracht is overgenomen; de afzender krijgt bericht.',
    rejectedMsg: 'De overdracht is afgewezen; de afzender krijgt bericht.',
    needBy: 'Vul uw naam en functie in.',
    needReason: 'Vul een reden in.',
    erased: 'De inhoud van dit formulier is gewist (bewaartermijn of intrekking).',
    events: 'Gebeurtenissen',
    timeline: 'Tijdlijn',
    tQueued: 'In de wachtrij gezet',
    tDelivered: 'Afgeleverd, ontvangstbewijs',
    tAccepted: (by) => `Overgenomen door ${by}`,
    tRejected: (r) => `Afgewezen: ${r}`,
    tOverdue: 'Te laat: nog niet overgenomen na de termijn',
    tUndeliverable: 'Niet af te leveren',
    tDue: 'Overname verwacht uiterlijk',
    tNext: 'Volgende poging',
    tAttempts: (n, e) => `${n} poging(en); laatste fout: ${e}`,
    receiptVerified: 'handtekening gecontroleerd',
    consentsTitle: 'Toestemmingsregister',
    consentsEmpty: 'Het register is leeg.',
    consent: 'Toestemming',
    purposes: 'Doelen',
    categories: 'Gegevens',
    validUntil: 'Geldig tot',
    givenBy: 'Gegeven door',
    recipients: 'Ontvangers',
    withdrawTitle: 'Toestemming intrekken',
    withdrawIntro: 'Intrekken blokkeert nieuwe verzendingen en stuurt elke ontvanger van gegevens onder deze toestemming een ondertekend bericht om ze te wissen.',
    withdrawReason: 'Reden (optioneel)',
    withdrawConfirm: 'Ik weet dat dit niet ongedaan kan worden gemaakt',
    withdraw: 'Intrekken',
    withdrawn: 'Ingetrokken',
    withdrawnMsg: 'De toestemming is ingetrokken; de ontvangers krijgen bericht.',
    needConfirm: 'Vink eerst de bevestiging aan.',
    sentUnder: 'Verzonden onder deze toestemming',
    confirmations: (c, n) => `${c} van ${n} ontvangers hebben het wissen bevestigd`,
    confirmed: 'wissen bevestigd',
    notConfirmed: 'nog niet bevestigd',
    auditTitle: 'Audittrail',
    verifyTitle: 'Controle van de keten',
    verifyOk: (e, c) => `De keten is intact: ${e} regels, ${c} ondertekende controlepunten.`,
    verifyProgress: (d, n) => `Bezig met controleren: ${d} van ${n} regels…`,
    verifyBad: (seq, p) => `De keten is NIET intact vanaf regel ${seq}: ${p}`,
    lastCheckpoint: 'Laatste controlepunt',
    checkpointsTitle: 'Controlepunten',
    ownCheckpoints: 'Eigen controlepunten',
    peerCheckpoints: 'Bewaard van andere organisaties',
    noCheckpoints: 'Geen controlepunten.',
    size: 'Regels',
    head: 'Kop (hash)',
    at: 'Tijd',
    peer: 'Organisatie',
    filters: 'Filters',
    fFrom: 'Vanaf (datum)',
    fUntil: 'Tot en met (datum)',
    fEvent: 'Gebeurtenis(sen), komma-gescheiden',
    fPeer: 'Organisatie (OIN, 20 cijfers)',
    fPacket: 'Pakket-id',
    fSubject: 'Jongere (pseudoniem)',
    fLimit: 'Hoeveel',
    apply: 'Toepassen',
    reset: 'Wissen',
    event: 'Gebeurtenis',
    actor: 'Wie',
    detail: 'Omschrijving',
    packet: 'Pakket',
    subject: 'Jongere',
    more: 'Er zijn meer regels: verfijn de filters of verhoog het aantal.',
    noEntries: 'Geen regels gevonden.',
    reportsTitle: 'Rapporten',
    subjectTitle: 'Inzageverzoek van een jongere',
    subjectIntro: 'Wat is over deze jongere gedeeld, met wie en waarom? Zonder de inhoud van formulieren.',
    lastName: 'Achternaam (zonder tussenvoegsel, zoals op het formulier: Haan, niet de Haan)',
    dob: 'Geboortedatum',
    makeReport: 'Rapport maken',
    registerTitle: 'Verwerkingsregister',
    figuresTitle: 'Stuurinformatie',
    showRegister: 'Register tonen',
    showFigures: 'Cijfers tonen',
    sent: 'Verzonden',
    receivedFig: 'Ontvangen',
    total: 'Totaal',
    byFormType: 'Per formulier',
    byRoute: 'Per route',
    byRecipient: 'Per ontvanger',
    bySender: 'Per afzender',
    byOutcome: 'Per uitkomst',
    byMonth: 'Per maand',
    none: 'geen',
    yes: 'ja',
    no: 'nee',
  },
  en: {
    skip: 'Skip to content',
    'nav.label': 'Main menu',
    'nav.inbox': 'Inbox',
    'nav.outbox': 'Sent',
    'nav.consents': 'Consents',
    'nav.audit': 'Audit',
    'nav.reports': 'Reports',
    logout: 'Log out',
    switchLang: 'Nederlands',
    loginTitle: 'Log in',
    loginIntro: 'Log in with the token that baton\'s administrator gave you. The token is kept in this tab only.',
    token: 'Token',
    login: 'Log in',
    loginBad: 'This token is not known. Check it or ask the administrator for a new one.',
    loggedOut: 'You are logged out.',
    sessionGone: 'Your session has ended or the token is no longer valid: log in again.',
    loading: 'Loading…',
    refused: 'Refused',
    error: 'Error',
    as: (name, role) => `${name} (${role})`,
    role: { caseworker: 'caseworker', 'privacy-officer': 'privacy officer', administrator: 'administrator' },
    inboxTitle: 'Received handovers',
    inboxEmpty: 'There are no received handovers.',
    outboxTitle: 'Sent handovers',
    outboxEmpty: 'There are no sent handovers.',
    from: 'From',
    to: 'To',
    form: 'Form',
    received: 'Received',
    created: 'Sent',
    state: 'State',
    deadline: 'Take over by',
    open: 'Open',
    openItem: (what) => `Open ${what}`,
    states: {
      new: 'new, waiting to be taken over', accepted: 'taken over', rejected: 'rejected',
      queued: 'queued', delivered: 'delivered', undeliverable: 'undeliverable',
      withdrawn: 'withdrawn', valid: 'valid', expired: 'expired',
    },
    overdue: 'overdue',
    back: 'Back to the list',
    purpose: 'Purpose',
    basis: 'Legal basis',
    by: 'Taken over by',
    decidedBy: 'By',
    reason: 'Reason',
    decided: 'Decided',
    print: 'Print',
    acceptTitle: 'Take over',
    acceptIntro: 'Do you take this young person over? Give your name and role; the school receives a signed confirmation.',
    acceptBy: 'Name and role',
    accept: 'Take over',
    rejectTitle: 'Reject',
    rejectReason: 'Reason for rejecting',
    reject: 'Reject',
    acceptedMsg: 'The handover is taken over; the sender is told.',
    rejectedMsg: 'The handover is rejected; the sender is told.',
    needBy: 'Give your name and role.',
    needReason: 'Give a reason.',
    erased: 'This form\'s content has been erased (retention or withdrawal).',
    events: 'Events',
    timeline: 'Timeline',
    tQueued: 'Queued',
    tDelivered: 'Delivered, receipt',
    tAccepted: (by) => `Taken over by ${by}`,
    tRejected: (r) => `Rejected: ${r}`,
    tOverdue: 'Overdue: not taken over within the deadline',
    tUndeliverable: 'Undeliverable',
    tDue: 'Take-over expected by',
    tNext: 'Next attempt',
    tAttempts: (n, e) => `${n} attempt(s); last error: ${e}`,
    receiptVerified: 'signature verified',
    consentsTitle: 'Consent register',
    consentsEmpty: 'The register is empty.',
    consent: 'Consent',
    purposes: 'Purposes',
    categories: 'Data',
    validUntil: 'Valid until',
    givenBy: 'Given by',
    recipients: 'Recipients',
    withdrawTitle: 'Withdraw consent',
    withdrawIntro: 'Withdrawing blocks new sends and sends every recipient of data under this consent a signed notice to erase it.',
    withdrawReason: 'Reason (optional)',
    withdrawConfirm: 'I know that this cannot be undone',
    withdraw: 'Withdraw',
    withdrawn: 'Withdrawn',
    withdrawnMsg: 'The consent is withdrawn; the recipients are told.',
    needConfirm: 'Tick the confirmation first.',
    sentUnder: 'Sent under this consent',
    confirmations: (c, n) => `${c} of ${n} recipients confirmed the erasure`,
    confirmed: 'erasure confirmed',
    notConfirmed: 'not confirmed yet',
    auditTitle: 'Audit trail',
    verifyTitle: 'Chain verification',
    verifyOk: (e, c) => `The chain is intact: ${e} entries, ${c} signed checkpoints.`,
    verifyProgress: (d, n) => `Verifying: ${d} of ${n} entries…`,
    verifyBad: (seq, p) => `The chain is NOT intact from entry ${seq}: ${p}`,
    lastCheckpoint: 'Last checkpoint',
    checkpointsTitle: 'Checkpoints',
    ownCheckpoints: 'Our own checkpoints',
    peerCheckpoints: 'Kept from other organisations',
    noCheckpoints: 'No checkpoints.',
    size: 'Entries',
    head: 'Head (hash)',
    at: 'Time',
    peer: 'Organisation',
    filters: 'Filters',
    fFrom: 'From (date)',
    fUntil: 'Until (date)',
    fEvent: 'Event(s), comma-separated',
    fPeer: 'Organisation (OIN, 20 digits)',
    fPacket: 'Packet id',
    fSubject: 'Young person (pseudonym)',
    fLimit: 'How many',
    apply: 'Apply',
    reset: 'Clear',
    event: 'Event',
    actor: 'Who',
    detail: 'Detail',
    packet: 'Packet',
    subject: 'Young person',
    more: 'There are more entries: narrow the filters or raise the number.',
    noEntries: 'No entries found.',
    reportsTitle: 'Reports',
    subjectTitle: 'Access request of a young person',
    subjectIntro: 'What was shared about this young person, with whom and why? Without form contents.',
    lastName: 'Surname (without its prefix, as on the form: Haan, not de Haan)',
    dob: 'Date of birth',
    makeReport: 'Make the report',
    registerTitle: 'Processing register',
    figuresTitle: 'Steering figures',
    showRegister: 'Show the register',
    showFigures: 'Show the figures',
    sent: 'Sent',
    receivedFig: 'Received',
    total: 'Total',
    byFormType: 'By form',
    byRoute: 'By route',
    byRecipient: 'By recipient',
    bySender: 'By sender',
    byOutcome: 'By outcome',
    byMonth: 'By month',
    none: 'none',
    yes: 'yes',
    no: 'no',
  },
};

const store = window.sessionStorage;
let lang = store.getItem('baton.lang') === 'en' ? 'en' : 'nl';
let session = null; // {name, role, organisation}

function t(key, ...args) {
  const v = TEXT[lang][key];
  return typeof v === 'function' ? v(...args) : v;
}

function stateText(s) {
  return TEXT[lang].states[s] || s;
}

// el('tag', {attr: value}, child...): an element; strings become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'nl-NL', { dateStyle: 'medium', timeStyle: 'short' });
}

// replaceChildren without the parts that are not there.
function put(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
}

function say(text) {
  document.getElementById('status').textContent = text || '';
}

// ---- talking to batond ----

class Refusal extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
  }
}

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${store.getItem('baton.token') || ''}` };
  const init = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : await res.text();
  if (res.status === 401) {
    if (path !== '/session') logout(t('sessionGone'));
    throw new Refusal(401, data);
  }
  if (!res.ok) throw new Refusal(res.status, typeof data === 'object' ? data : { error: data });
  return data;
}

function api(method, path, body) {
  return call(method, `/api/v1${path}`, body);
}

// The daemon's refusal, as it said it: a 403 names the role and whom to ask.
function problem(err) {
  const box = el('div', { class: 'error', role: 'alert' },
    el('strong', {}, err.status === 403 ? t('refused') : t('error')),
    el('span', { class: 'code' }, err.status ? ` (${err.status}${err.code ? ' ' + err.code : ''})` : ''),
    el('p', { class: 'refusal' }, err.message));
  return box;
}

// ---- the frame ----

function applyLang() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  document.getElementById('skip').textContent = t('skip');
  document.getElementById('nav').setAttribute('aria-label', t('nav.label'));
  const b = document.getElementById('lang');
  b.textContent = t('switchLang');
  b.lang = lang === 'nl' ? 'en' : 'nl';
  showWho();
}

function showWho() {
  const who = document.getElementById('who');
  const org = document.getElementById('org');
  if (!session) {
    who.textContent = '';
    org.textContent = '';
    return;
  }
  who.textContent = t('as', session.name, TEXT[lang].role[session.role] || session.role);
  org.textContent = session.organisation.name;
}

function logout(message) {
  store.removeItem('baton.token');
  session = null;
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  showWho();
  loginView(message);
}

function main(title, ...content) {
  const m = document.getElementById('main');
  put(m, el('h1', { id: 'title' }, title), ...content);
  document.title = `${title} — baton`;
  return m;
}

function focusMain() {
  const h = document.getElementById('title');
  if (h) {
    h.tabIndex = -1;
    h.focus();
  }
}

function markNav(view) {
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---- log in ----

function loginView(message) {
  const input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const msg = el('p', { id: 'login-message', class: message ? 'notice' : '', role: 'alert' }, message || '');
  const form = el('form', { id: 'login', class: 'card narrow' },
    el('p', {}, t('loginIntro')),
    el('label', { for: 'token' }, t('token')),
    input,
    el('button', { type: 'submit', id: 'login-submit' }, t('login')),
    msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    store.setItem('baton.token', input.value.trim());
    try {
      session = await call('GET', '/session');
      input.value = '';
      startSession();
    } catch (err) {
      store.removeItem('baton.token');
      msg.className = 'notice';
      msg.textContent = err.status === 401 ? t('loginBad') : err.message;
      input.focus();
    }
  });
  main(t('loginTitle'), form);
  markNav('');
  input.focus();
}

function startSession() {
  document.getElementById('nav').hidden = false;
  document.getElementById('logout').hidden = false;
  showWho();
  const first = session.role === 'privacy-officer' || session.role === 'administrator' ? '#/audit' : '#/inbox';
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.hash = first;
  else route();
}

// ---- inbox ----

function table(head, rows) {
  return el('div', { class: 'scroll' },
    el('table', {},
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
}

function stateBadge(state, overdue) {
  return el('span', {},
    el('span', { class: `badge state-${state}` }, stateText(state)),
    overdue ? el('span', { class: 'badge overdue' }, t('overdue')) : null);
}

async function inboxView() {
  markNav('inbox');
  main(t('inboxTitle'), el('p', {}, t('loading')));
  let data;
  try {
    data = await api('GET', `/inbox?lang=${lang}`);
  } catch (err) {
    main(t('inboxTitle'), problem(err));
    return;
  }
  if (!data.items.length) {
    main(t('inboxTitle'), el('p', { class: 'empty' }, t('inboxEmpty')));
    return;
  }
  const rows = data.items.map((it) => el('tr', {},
    el('td', {}, it.from_name || it.from),
    el('td', {}, it.form_title || it.form_type),
    el('td', {}, when(it.received)),
    el('td', {}, stateBadge(it.state, it.overdue)),
    el('td', {}, when(it.deadline)),
    el('td', {}, el('a', { href: `#/inbox/${it.id}`, class: 'open', 'aria-label': t('openItem', `${it.form_title || it.form_type} — ${it.from_name || it.from}`) }, t('open')))));
  main(t('inboxTitle'), table([t('from'), t('form'), t('received'), t('state'), t('deadline'), ''], rows));
}

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v, id]) => [el('dt', {}, k), el('dd', id ? { id } : {}, v)]));
}

// The form, as batond rendered it with the catalogue's labels: nested fields become sections.
function renderFields(fields, depth) {
  const dl = el('dl', { class: `form-fields depth-${Math.min(depth, 3)}` });
  for (const f of fields || []) {
    if (f.fields) {
      dl.append(el('div', { class: 'group' },
        el(depth === 0 ? 'h3' : 'h4', {}, f.label),
        renderFields(f.fields, depth + 1)));
    } else {
      dl.append(el('div', { class: 'field' }, el('dt', {}, f.label), el('dd', {}, f.value)));
    }
  }
  return dl;
}

async function inboxItemView(id, notice) {
  markNav('inbox');
  const back = el('p', { class: 'back noprint' }, el('a', { href: '#/inbox' }, t('back')));
  main(t('inboxTitle'), back, el('p', {}, t('loading')));
  let it;
  try {
    it = await api('GET', `/inbox/${encodeURIComponent(id)}?lang=${lang}`);
  } catch (err) {
    main(t('inboxTitle'), back, problem(err));
    return;
  }
  const title = it.rendered ? it.rendered.title : (it.form_title || it.form_type);
  const parts = [back];
  if (notice) parts.push(el('p', { class: 'notice', role: 'status', id: 'decision-notice' }, notice));
  parts.push(facts([
    [t('from'), it.from_name || it.from],
    [t('received'), when(it.received)],
    [t('purpose'), it.purpose],
    [t('basis'), it.basis],
    [t('state'), stateBadge(it.state, it.overdue), 'item-state'],
    [t('deadline'), it.state === 'new' ? when(it.deadline) : ''],
    [t('decidedBy'), it.by || ''],
    [t('reason'), it.reason || ''],
    [t('decided'), when(it.decided)],
  ]));
  parts.push(el('p', { class: 'noprint' }, el('button', { type: 'button', id: 'print', onclick: () => window.print() }, t('print'))));
  if (it.state === 'new' && !it.erased) parts.push(decideForms(id));
  if (it.rendered) parts.push(el('section', { class: 'document', 'aria-label': title }, renderFields(it.rendered.fields, 0)));
  else if (it.erased) parts.push(el('p', { class: 'notice' }, t('erased')));
  parts.push(eventsList(it.events));
  main(title, ...parts);
  focusMain();
}

function decideForms(id) {
  const by = el('input', { id: 'accept-by', name: 'by', type: 'text', autocomplete: 'name', required: true, maxlength: '200' });
  const accMsg = el('p', { class: 'field-error', id: 'accept-error', role: 'alert' });
  const acc = el('form', { id: 'accept', class: 'card' },
    el('h2', {}, t('acceptTitle')),
    el('p', {}, t('acceptIntro')),
    el('label', { for: 'accept-by' }, t('acceptBy')), by,
    el('button', { type: 'submit', id: 'accept-submit' }, t('accept')), accMsg);
  acc.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!by.value.trim()) {
      accMsg.textContent = t('needBy');
      by.focus();
      return;
    }
    try {
      await api('POST', `/inbox/${encodeURIComponent(id)}/accept`, { by: by.value.trim() });
      inboxItemView(id, t('acceptedMsg'));
    } catch (err) {
      acc.append(problem(err));
    }
  });
  const reason = el('textarea', { id: 'reject-reason', name: 'reason', rows: '3', required: true, maxlength: '2000' });
  const rejBy = el('input', { id: 'reject-by', name: 'by', type: 'text', autocomplete: 'name', maxlength: '200' });
  const rejMsg = el('p', { class: 'field-error', id: 'reject-error', role: 'alert' });
  const rej = el('form', { id: 'reject', class: 'card' },
    el('h2', {}, t('rejectTitle')),
    el('label', { for: 'reject-reason' }, t('rejectReason')), reason,
    el('label', { for: 'reject-by' }, t('acceptBy')), rejBy,
    el('button', { type: 'submit', id: 'reject-submit', class: 'secondary' }, t('reject')), rejMsg);
  rej.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) {
      rejMsg.textContent = t('needReason');
      reason.focus();
      return;
    }
    try {
      await api('POST', `/inbox/${encodeURIComponent(id)}/reject`, { reason: reason.value.trim(), by: rejBy.value.trim() || null });
      inboxItemView(id, t('rejectedMsg'));
    } catch (err) {
      rej.append(problem(err));
    }
  });
  return el('div', { class: 'decide noprint' }, acc, rej);
}

function eventsList(events) {
  if (!events || !events.length) return null;
  return el('section', { class: 'events' },
    el('h2', {}, t('events')),
    el('ol', { class: 'timeline' }, events.map((e) => el('li', {},
      el('time', { datetime: e.at }, when(e.at)), ' ',
      el('strong', {}, e.event), e.detail ? ` — ${e.detail}` : ''))));
}

// ---- outbox ----

async function outboxView() {
  markNav('outbox');
  main(t('outboxTitle'), el('p', {}, t('loading')));
  let data;
  try {
    data = await api('GET', `/outbox?lang=${lang}`);
  } catch (err) {
    main(t('outboxTitle'), problem(err));
    return;
  }
  if (!data.items.length) {
    main(t('outboxTitle'), el('p', { class: 'empty' }, t('outboxEmpty')));
    return;
  }
  const rows = data.items.map((it) => el('tr', {},
    el('td', {}, it.to_name || it.to),
    el('td', {}, it.form_title || it.form_type),
    el('td', {}, when(it.created)),
    el('td', {}, stateBadge(it.state, it.overdue), it.by ? ` — ${it.by}` : ''),
    el('td', {}, it.state === 'delivered' ? when(it.deadline) : ''),
    el('td', {}, el('a', { href: `#/outbox/${it.id}`, class: 'open', 'aria-label': t('openItem', `${it.form_title || it.form_type} — ${it.to_name || it.to}`) }, t('open')))));
  main(t('outboxTitle'), table([t('to'), t('form'), t('created'), t('state'), t('deadline'), ''], rows));
}

async function outboxItemView(id) {
  markNav('outbox');
  const back = el('p', { class: 'back' }, el('a', { href: '#/outbox' }, t('back')));
  main(t('outboxTitle'), back, el('p', {}, t('loading')));
  let it;
  try {
    it = await api('GET', `/outbox/${encodeURIComponent(id)}?lang=${lang}`);
  } catch (err) {
    main(t('outboxTitle'), back, problem(err));
    return;
  }
  const steps = [];
  steps.push([it.created, t('tQueued'), 'done']);
  if (it.state === 'queued' && it.attempts > 0) steps.push([it.next_attempt, t('tAttempts', it.attempts, it.last_error || '-'), 'wait']);
  if (it.delivered) {
    const r = it.receipt ? ` ${it.receipt.id} (${t('receiptVerified')})` : '';
    steps.push([it.delivered, t('tDelivered') + r, 'done']);
  }
  if (it.state === 'accepted') steps.push([it.decided, t('tAccepted', it.by || '-'), 'done']);
  if (it.state === 'rejected') steps.push([it.decided, t('tRejected', it.reason || '-'), 'bad']);
  if (it.state === 'undeliverable') steps.push([it.decided || it.next_attempt, t('tUndeliverable'), 'bad']);
  if (it.overdue) steps.push([it.deadline, t('tOverdue'), 'bad']);
  else if (it.state === 'delivered' && it.deadline) steps.push([it.deadline, t('tDue'), 'wait']);
  const timeline = el('ol', { class: 'steps', id: 'timeline' }, steps.map(([at, what, kind]) =>
    el('li', { class: `step ${kind}` }, el('time', { datetime: at || '' }, when(at)), ' ', el('span', {}, what))));
  main(it.form_title || it.form_type, back,
    facts([
      [t('to'), it.to_name || it.to],
      [t('purpose'), it.purpose],
      [t('basis'), it.basis],
      [t('state'), stateBadge(it.state, it.overdue), 'item-state'],
      [t('by'), it.by || ''],
    ]),
    el('section', {}, el('h2', {}, t('timeline')), timeline),
    eventsList(it.events));
  focusMain();
}

// ---- consents ----

async function consentsView() {
  markNav('consents');
  main(t('consentsTitle'), el('p', {}, t('loading')));
  let data;
  try {
    data = await api('GET', '/consents');
  } catch (err) {
    main(t('consentsTitle'), problem(err));
    return;
  }
  if (!data.items.length) {
    main(t('consentsTitle'), el('p', { class: 'empty' }, t('consentsEmpty')));
    return;
  }
  const rows = data.items.map((c) => el('tr', {},
    el('td', { class: 'mono' }, c.id),
    el('td', {}, stateBadge(c.state)),
    el('td', {}, (c.purposes || []).join(', ')),
    el('td', {}, (c.recipients || []).map((r) => r.name || r.oin || r.role).join(', ')),
    el('td', {}, c.valid_until || ''),
    el('td', {}, el('a', { href: `#/consents/${c.id}`, class: 'open', 'aria-label': t('openItem', `${t('consent')} ${c.id}`) }, t('open')))));
  main(t('consentsTitle'), table([t('consent'), t('state'), t('purposes'), t('recipients'), t('validUntil'), ''], rows));
}

async function consentItemView(id, notice) {
  markNav('consents');
  const back = el('p', { class: 'back' }, el('a', { href: '#/consents' }, t('back')));
  let c;
  try {
    c = await api('GET', `/consents/${encodeURIComponent(id)}`);
  } catch (err) {
    main(t('consentsTitle'), back, problem(err));
    return;
  }
  const parts = [back];
  if (notice) parts.push(el('p', { class: 'notice', role: 'status' }, notice));
  parts.push(facts([
    [t('state'), stateBadge(c.state), 'item-state'],
    [t('purposes'), (c.purposes || []).join(', ')],
    [t('categories'), (c.data_categories || []).join(', ')],
    [t('givenBy'), (c.given_by || []).join(', ')],
    [t('recipients'), (c.recipients || []).map((r) => r.name || r.oin || r.role).join(', ')],
    [t('validUntil'), c.valid_until || ''],
    [t('withdrawn'), when(c.withdrawn)],
  ]));
  if (c.sent_under && c.sent_under.length) {
    parts.push(el('h2', {}, t('sentUnder')),
      el('ul', {}, c.sent_under.map((s) => el('li', {}, el('a', { href: `#/outbox/${s.packet}` }, s.packet), ` → ${s.to}`))));
  }
  if (c.withdrawal) {
    const w = c.withdrawal;
    parts.push(el('h2', {}, t('withdrawn')),
      el('p', { id: 'confirmations' }, t('confirmations', w.confirmed, w.recipients.length)),
      el('ul', {}, w.recipients.map((r) => el('li', {}, `${r.to_name || r.to}: `,
        r.confirmed ? `${t('confirmed')} (${when(r.confirmed)})` : t('notConfirmed')))));
  }
  if (!c.withdrawn && c.state !== 'withdrawn') parts.push(withdrawForm(id));
  main(`${t('consent')} ${id}`, ...parts);
  focusMain();
}

function withdrawForm(id) {
  const reason = el('textarea', { id: 'withdraw-reason', rows: '2', maxlength: '2000' });
  const sure = el('input', { id: 'withdraw-sure', type: 'checkbox' });
  const msg = el('p', { class: 'field-error', role: 'alert' });
  const form = el('form', { id: 'withdraw', class: 'card' },
    el('h2', {}, t('withdrawTitle')), el('p', {}, t('withdrawIntro')),
    el('label', { for: 'withdraw-reason' }, t('withdrawReason')), reason,
    el('div', { class: 'check' }, sure, el('label', { for: 'withdraw-sure' }, t('withdrawConfirm'))),
    el('button', { type: 'submit', class: 'danger' }, t('withdraw')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!sure.checked) {
      msg.textContent = t('needConfirm');
      sure.focus();
      return;
    }
    try {
      await api('POST', `/consents/${encodeURIComponent(id)}/withdraw`, { reason: reason.value.trim() || null });
      consentItemView(id, t('withdrawnMsg'));
    } catch (err) {
      form.append(problem(err));
    }
  });
  return form;
}

// ---- audit ----

// How often the audit view asks how far a running verification of the chain got.
const VERIFY_POLL_MS = 250;

const FILTERS = [['from', 'fFrom', 'date'], ['until', 'fUntil', 'date'], ['event', 'fEvent', 'text'],
  ['peer', 'fPeer', 'text'], ['packet', 'fPacket', 'text'], ['subject', 'fSubject', 'text'], ['limit', 'fLimit', 'number']];

async function auditView(query) {
  markNav('audit');
  const params = new URLSearchParams(query || '');
  if (!params.get('limit')) params.set('limit', '100');
  const verify = el('section', { id: 'verify', class: 'card' }, el('h2', {}, t('verifyTitle')), el('p', {}, t('loading')));
  const cps = el('section', { id: 'checkpoints' }, el('h2', {}, t('checkpointsTitle')));
  const form = el('form', { id: 'audit-filters', class: 'filters' },
    el('h2', {}, t('filters')),
    el('div', { class: 'grid' }, FILTERS.map(([name, label, type]) => el('div', {},
      el('label', { for: `f-${name}` }, t(label)),
      el('input', { id: `f-${name}`, name, type, value: params.get(name) || '', min: type === 'number' ? '1' : null })))),
    el('button', { type: 'submit' }, t('apply')), ' ',
    el('a', { href: '#/audit', class: 'button secondary' }, t('reset')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [name] of FILTERS) {
      const v = form.elements[name].value.trim();
      if (v) p.set(name, v);
    }
    location.hash = `#/audit?${p}`;
  });
  const list = el('section', { id: 'entries' }, el('p', {}, t('loading')));
  main(t('auditTitle'), verify, form, list, cps);

  // batond walks the whole chain before it answers; meanwhile the page asks how far it got, under
  // a progress id of its own (asked only after the verification has begun: no 404 to log).
  const progressId = Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, '0')).join('');
  let verified = false;
  const askProgress = async () => {
    try {
      const p = await api('GET', `/audit/verify/progress?id=${progressId}`);
      if (!verified && p.total > 0) {
        put(verify, el('h2', {}, t('verifyTitle')),
          el('p', { id: 'verify-progress', role: 'status' }, t('verifyProgress', p.done, p.total)));
      }
    } catch (err) {
      // Not asked again: the verification's own answer says what went wrong.
      return;
    }
    if (!verified) setTimeout(askProgress, VERIFY_POLL_MS);
  };
  setTimeout(askProgress, VERIFY_POLL_MS);
  api('GET', `/audit/verify?progress=${progressId}`).finally(() => { verified = true; }).then((v) => {
    put(verify, el('h2', {}, t('verifyTitle')),
      el('p', { id: 'verify-result', class: v.intact ? 'ok' : 'bad' },
        v.intact ? t('verifyOk', v.entries, v.checkpoints) : t('verifyBad', v.first_bad.seq, v.first_bad.problem)),
      v.last_checkpoint ? el('p', {}, `${t('lastCheckpoint')}: ${v.last_checkpoint.size} — ${when(v.last_checkpoint.at)}`) : null);
  }).catch((err) => verify.replaceChildren(el('h2', {}, t('verifyTitle')), problem(err)));

  let entries = [];
  try {
    const data = await api('GET', `/audit?${params}`);
    entries = data.entries || data.items || [];
    if (!entries.length) list.replaceChildren(el('p', { class: 'empty' }, t('noEntries')));
    else {
      put(list, table(['#', t('at'), t('event'), t('actor'), t('peer'), t('packet'), t('detail')],
        entries.map((e) => el('tr', {},
          el('td', {}, String(e.seq)), el('td', {}, when(e.at)), el('td', {}, e.event),
          el('td', {}, e.actor || ''), el('td', { class: 'mono' }, e.peer || ''),
          el('td', { class: 'mono' }, e.packet ? el('a', { href: `#/audit?packet=${e.packet}` }, e.packet.slice(0, 8)) : ''),
          el('td', {}, e.detail || '')))),
      data.more ? el('p', { class: 'notice' }, t('more')) : null);
    }
  } catch (err) {
    list.replaceChildren(problem(err));
  }

  // Our checkpoints, and those peers keep of theirs (the peers named in the trail).
  const peers = [...new Set(entries.map((e) => e.peer).filter((p) => p && /^\d{20}$/.test(p)))].slice(0, 8);
  const groups = [['', t('ownCheckpoints')], ...peers.map((p) => [p, `${t('peerCheckpoints')}: ${p}`])];
  for (const [peer, title] of groups) {
    try {
      const data = await api('GET', `/audit/checkpoints?limit=5${peer ? `&peer=${peer}` : ''}`);
      cps.append(el('h3', {}, title), data.checkpoints.length
        ? table([t('size'), t('at'), t('head')], data.checkpoints.map((c) => el('tr', {},
          el('td', {}, String(c.size)), el('td', {}, when(c.at)), el('td', { class: 'mono' }, c.head.slice(0, 16) + '…'))))
        : el('p', { class: 'empty' }, t('noCheckpoints')));
    } catch (err) {
      cps.append(el('h3', {}, title), problem(err));
    }
  }
}

// ---- reports ----

function reportsView() {
  markNav('reports');
  const out = el('pre', { id: 'subject-report', class: 'report', tabindex: '0', hidden: true });
  const subj = el('form', { id: 'subject', class: 'card' },
    el('h2', {}, t('subjectTitle')), el('p', {}, t('subjectIntro')),
    el('label', { for: 's-last' }, t('lastName')), el('input', { id: 's-last', name: 'last_name', required: true }),
    el('label', { for: 's-dob' }, t('dob')), el('input', { id: 's-dob', name: 'date_of_birth', type: 'date', required: true }),
    el('button', { type: 'submit' }, t('makeReport')), out);
  subj.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams({ last_name: subj.elements.last_name.value, date_of_birth: subj.elements.date_of_birth.value, format: 'text', lang });
    try {
      out.textContent = (await api('GET', `/reports/subject?${p}`)).report;
      out.hidden = false;
      out.focus();
    } catch (err) {
      subj.append(problem(err));
    }
  });
  const regOut = el('pre', { id: 'register', class: 'report', tabindex: '0', hidden: true });
  const reg = el('section', { class: 'card' }, el('h2', {}, t('registerTitle')),
    el('button', {
      type: 'button',
      id: 'show-register',
      onclick: async () => {
        try {
          regOut.textContent = (await api('GET', `/reports/register?format=text&lang=${lang}`)).report;
          regOut.hidden = false;
          regOut.focus();
        } catch (err) {
          reg.append(problem(err));
        }
      },
    }, t('showRegister')), regOut);
  const figOut = el('div', { id: 'figures' });
  const fig = el('section', { class: 'card' }, el('h2', {}, t('figuresTitle')),
    el('button', {
      type: 'button',
      id: 'show-figures',
      onclick: async () => {
        try {
          figOut.replaceChildren(figures(await api('GET', `/reports/figures?lang=${lang}`)));
        } catch (err) {
          figOut.replaceChildren(problem(err));
        }
      },
    }, t('showFigures')), figOut);
  main(t('reportsTitle'), subj, reg, fig);
}

// A count as the report gives it: a number, or "<5" (kept so: small groups stay unrecognisable).
function countValue(c) {
  return typeof c === 'number' ? c : 2.5;
}

// One group of figures as horizontal bars drawn in SVG.
function bars(title, list) {
  if (!list || !list.length) return el('div', { class: 'chart' }, el('h4', {}, title), el('p', { class: 'empty' }, t('none')));
  const max = Math.max(5, ...list.map((x) => countValue(x.count)));
  const ns = 'http://www.w3.org/2000/svg';
  const rowH = 28;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 100 ${list.length * rowH}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'bars');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('height', String(list.length * rowH));
  list.forEach((x, i) => {
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', '0');
    r.setAttribute('y', String(i * rowH + 6));
    r.setAttribute('height', String(rowH - 12));
    r.setAttribute('width', String(Math.max(1, (countValue(x.count) / max) * 100)));
    r.setAttribute('class', typeof x.count === 'number' ? 'bar' : 'bar small');
    svg.append(r);
  });
  const labels = el('ul', { class: 'bar-labels' }, list.map((x) => el('li', {},
    el('span', { class: 'bar-label' }, x.label || x.key), el('span', { class: 'bar-count' }, String(x.count)))));
  return el('figure', { class: 'chart' }, el('figcaption', {}, title), el('div', { class: 'chart-body' }, labels, svg));
}

function figures(f) {
  const part = (title, p, peerKey, peerTitle) => el('section', { class: 'figures-part' },
    el('h3', {}, `${title}: ${p.total}`),
    bars(t('byFormType'), p.by_form_type), bars(t('byRoute'), p.by_route),
    bars(peerTitle, p[peerKey]), bars(t('byOutcome'), p.by_outcome), bars(t('byMonth'), p.by_month));
  return el('div', {},
    part(t('sent'), f.sent, 'by_recipient', t('byRecipient')),
    part(t('receivedFig'), f.received, 'by_sender', t('bySender')),
    f.note ? el('p', { class: 'note' }, f.note) : null);
}

// ---- routes ----

function route() {
  say('');
  if (!store.getItem('baton.token') || !session) {
    loginView();
    return;
  }
  const hash = location.hash.replace(/^#/, '') || '/inbox';
  const [path, query] = hash.split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'inbox' && parts[1]) inboxItemView(parts[1]);
  else if (parts[0] === 'outbox' && parts[1]) outboxItemView(parts[1]);
  else if (parts[0] === 'outbox') outboxView();
  else if (parts[0] === 'consents' && parts[1]) consentItemView(parts[1]);
  else if (parts[0] === 'consents') consentsView();
  else if (parts[0] === 'audit') auditView(query);
  else if (parts[0] === 'reports') reportsView();
  else inboxView();
}

document.getElementById('lang').addEventListener('click', () => {
  lang = lang === 'nl' ? 'en' : 'nl';
  store.setItem('baton.lang', lang);
  applyLang();
  route();
});
document.getElementById('logout').addEventListener('click', () => {
  logout(t('loggedOut'));
});
window.addEventListener('hashchange', route);

(async () => {
  applyLang();
  if (store.getItem('baton.token')) {
    try {
      session = await call('GET', '/session');
      startSession();
      return;
    } catch (err) {
      store.removeItem('baton.token');
    }
  }
  loginView();
})();
