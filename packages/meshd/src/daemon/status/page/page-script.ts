// The status page's script (served as /page.js): listens to /events and redraws the regions of the
// page from each `view` event. Plain ES2020, no framework. Everything from the daemon is put into the
// page with textContent (never as HTML): names and messages come from clusters and files.

/** The JavaScript of `GET /page.js`. */
export const PAGE_JS = String.raw`'use strict';
(function () {
  var last = null;
  var seenSeq = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function time(iso, withAgo, timeOnly) {
    var d = new Date(iso);
    var text = isNaN(d.getTime()) ? iso : timeOnly ? d.toLocaleTimeString() : d.toLocaleString();
    return el('time', { datetime: iso, title: iso }, [withAgo ? text + ' (' + ago(iso) + ' ago)' : text]);
  }

  function tone(state) {
    if (state === 'converged' || state === 'in-sync') return 'ok';
    if (state === 'error' || state === 'unreachable' || state === 'unauthorized' || state === 'failed' || state === 'blocked') return 'bad';
    return 'warn';
  }

  function fact(name, value) {
    return [el('dt', {}, [name]), el('dd', {}, [value])];
  }

  function componentText(c) {
    if (!c) return '-';
    var text = c.state;
    if (c.observed && c.observed !== c.state) text += ' (was ' + c.observed + ')';
    if (c.changes > 0) text += ', ' + c.changes + ' change' + (c.changes === 1 ? '' : 's');
    if (c.error) text += ' [' + c.error.code + ']';
    return text;
  }

  function reachability(c) {
    if (c.reachable) {
      return c.reachableSince ? el('span', {}, ['yes, for ' + ago(c.reachableSince) + ' (since ', time(c.reachableSince, false), ')']) : 'yes';
    }
    return c.unreachableSince ? el('span', {}, ['no, for ' + ago(c.unreachableSince) + ' (since ', time(c.unreachableSince, false), ')']) : 'no';
  }

  // Minted credentials by cluster, from the newest view's status.credentials (never a token).
  var credentials = {};

  function credentialExpiry(c) {
    var minted = credentials[c.name];
    var at = (minted && minted.expiresAt) || c.credentialExpiresAt || (c.credential && c.credential.expiresAt);
    if (!at) return null;
    var left = Date.parse(at) - Date.now();
    var text = left > 0 ? 'in ' + ago(new Date(Date.now() - left).toISOString()) : 'expired';
    return el('span', {}, [text + ' (', time(at, false), ')']);
  }

  function card(c) {
    var facts = [];
    facts = facts.concat(fact('role', c.role === 'control-plane' ? 'control plane' : 'remote'));
    facts = facts.concat(fact('reachable', reachability(c)));
    facts = facts.concat(fact('Kubernetes', c.version || 'unknown'));
    facts = facts.concat(fact('release', componentText(c.release)));
    facts = facts.concat(fact('secret copies', componentText(c.secrets)));
    var expiry = credentialExpiry(c);
    if (expiry) facts = facts.concat(fact('credential expires', expiry));
    if (c.warnings && c.warnings.length) facts = facts.concat(fact('warnings', c.warnings.join('; ')));
    facts = facts.concat(fact('updated', time(c.updatedAt, true)));
    var children = [
      el('h3', {}, [el('span', { class: 'name' }, [c.name + (c.fromLastGood ? ' (last good version)' : '')]), el('span', { class: 'badge state', 'data-tone': tone(c.state) }, [c.state])]),
      el('dl', { class: 'facts' }, facts),
    ];
    var error = c.lastError || (c.release && c.release.error) || (c.secrets && c.secrets.error);
    if (error) {
      var label = '[' + error.code + (error.retry === 'terminal' ? ', parked' : '') + '] ' + error.message;
      children.push(el('p', { class: 'error' }, ['last error: ' + label + ', seen ', time(c.updatedAt, false)]));
    }
    return el('li', { class: 'card', 'data-cluster': c.name, 'data-state': c.state, 'data-tone': tone(c.state), 'aria-label': 'cluster ' + c.name + ': ' + c.state }, children);
  }

  function overview(s) {
    var rows = [];
    var e = s.endpoints || {};
    [['Pilot', 'pilot'], ['Mixer policy', 'policy'], ['statsd bridge', 'statsd']].forEach(function (pair) {
      rows.push(el('tr', { 'data-endpoint': pair[1] }, [el('th', { scope: 'row' }, [pair[0]]), el('td', { class: 'mono' }, [e[pair[1]] || 'not found'])]));
    });
    var table = el('table', {}, [el('caption', { class: 'muted small' }, ['Endpoints in use']), el('thead', {}, [el('tr', {}, [el('th', { scope: 'col' }, ['component']), el('th', { scope: 'col' }, ['IP'])])]), el('tbody', {}, rows)]);
    var facts = [];
    facts = facts.concat(fact('control plane', s.controlPlane || 'not reached yet'));
    facts = facts.concat(fact('endpoints changed', s.endpointsChangedAt ? time(s.endpointsChangedAt, true) : '-'));
    facts = facts.concat(fact('directory', s.directory.path + (s.directory.valid ? ' (valid)' : ' (invalid' + (s.directory.problem ? ': ' + s.directory.problem : '') + ')')));
    facts = facts.concat(fact('registry', componentText(s.registry)));
    if (s.lastReconcile) facts = facts.concat(fact('last reconcile', el('span', {}, [s.lastReconcile.key + ' ' + s.lastReconcile.result + ', ', time(s.lastReconcile.at, true)])));
    facts = facts.concat(fact('last converged', s.lastSuccessfulReconcile ? time(s.lastSuccessfulReconcile, true) : 'never'));
    if (s.leader && s.leader.enabled) facts = facts.concat(fact('leader', s.leader.isLeader ? 'this meshd' : 'standby (' + (s.leader.holder || 'unknown') + ')'));
    return [el('dl', { class: 'facts' }, facts), table];
  }

  function findings(s) {
    var items = [];
    (s.errors || []).forEach(function (m) { items.push(el('li', { 'data-severity': 'error' }, ['error: [' + m.code + '] ' + m.message])); });
    (s.directory.findings || []).forEach(function (f) {
      items.push(el('li', { 'data-severity': f.severity }, [f.file + ':' + f.line + ':' + f.col + ': ' + f.severity + ': ' + f.message]));
    });
    (s.removalsHeld || []).forEach(function (n) { items.push(el('li', { 'data-severity': 'warning' }, ['removal of ' + n + ' is held: confirm with meshd apply --allow-removals'])); });
    return items.length ? [el('ul', { class: 'findings' }, items)] : [el('p', { class: 'muted' }, ['None.'])];
  }

  function timeline(events) {
    return events.slice().reverse().map(function (ev) {
      var li = el('li', { 'data-kind': ev.kind, 'data-problem': ev.problem ? 'true' : 'false' }, [time(ev.at, false, true), el('span', { class: 'what' }, [ev.text])]);
      if (ev.seq > seenSeq && seenSeq > 0) li.className = 'fresh';
      return li;
    });
  }

  function summary(s) {
    var n = s.clusters.length;
    var converged = s.clusters.filter(function (c) { return c.state === 'converged'; }).length;
    var head = (s.ready ? 'Ready' : 'Not ready') + ': ' + converged + ' of ' + n + ' cluster' + (n === 1 ? '' : 's') + ' converged';
    return s.ready ? head : head + (s.readyReasons.length ? ' (' + s.readyReasons.join('; ') + ')' : '');
  }

  function render(view) {
    var s = view.status;
    credentials = {};
    (s.credentials || []).forEach(function (m) { credentials[m.cluster] = m; });
    last = view;
    document.getElementById('summary').textContent = summary(s);
    document.getElementById('overview').replaceChildren.apply(document.getElementById('overview'), overview(s));
    document.getElementById('clusters').replaceChildren.apply(document.getElementById('clusters'), s.clusters.map(card));
    document.getElementById('findings').replaceChildren.apply(document.getElementById('findings'), findings(s));
    document.getElementById('timeline').replaceChildren.apply(document.getElementById('timeline'), timeline(view.timeline));
    view.timeline.forEach(function (ev) { if (ev.seq > seenSeq) seenSeq = ev.seq; });
    document.body.setAttribute('data-updated', String(Date.now()));
  }

  function connection(state, text) {
    var c = document.getElementById('connection');
    c.setAttribute('data-state', state);
    c.textContent = 'live updates: ' + text;
  }

  function start() {
    var source = new EventSource('/events');
    source.addEventListener('open', function () { connection('live', 'on'); });
    source.addEventListener('error', function () { connection('lost', 'lost, reconnecting\u2026'); });
    source.addEventListener('view', function (event) {
      connection('live', 'on');
      render(JSON.parse(event.data));
    });
    setInterval(function () { if (last) render(last); }, 15000);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
