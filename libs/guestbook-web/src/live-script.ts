import type { RequestHandler } from 'express';

/**
 * The page's only script, served from our own origin because helmet's CSP
 * forbids inline script. Plain ES2017 and no framework (under 5 KB): the page
 * is complete without it, and it only adds two things when it runs:
 * - live updates: new entries arrive over server-sent events from `/live`;
 *   after every (re)connect the list is fetched again and merged in, so
 *   nothing posted while the stream was down is missed;
 * - the form posts as JSON (with an Idempotency-Key, so a retried click
 *   creates one entry) and shows the result without a reload.
 * Entries are built with textContent only: user text never becomes markup.
 */
export const liveScriptSource = `'use strict';
(function () {
  var list = document.getElementById('entries');
  var form = document.getElementById('entry-form');
  if (!list || !form || !window.EventSource || !window.fetch) return;
  var maxEntries = 20;

  var status = document.createElement('p');
  status.id = 'live-status';
  status.className = 'live-status';
  status.setAttribute('role', 'status');
  list.parentNode.insertBefore(status, list);
  function setStatus(text) { status.textContent = text; }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function badge(sentiment) {
    if (!sentiment) return element('span', 'badge unscored', 'not yet scored');
    var node = element('span', 'badge ' + sentiment.label, sentiment.label);
    node.title = 'score ' + sentiment.score + ' (model ' + sentiment.model + ')';
    return node;
  }

  function render(entry) {
    var item = element('li', 'entry');
    item.setAttribute('data-id', entry.id);
    var meta = element('p', 'meta');
    var time = element('time', '', entry.createdAt.replace('T', ' ').slice(0, 16));
    time.setAttribute('datetime', entry.createdAt);
    meta.append(element('strong', 'author', entry.author), ' ', badge(entry.sentiment), ' ', time);
    item.append(meta, element('p', 'text', entry.text));
    return item;
  }

  function has(id) {
    return Array.prototype.some.call(list.children, function (li) { return li.getAttribute('data-id') === id; });
  }

  // Newest first, by creation time (ISO-8601 UTC strings sort as text). Entries
  // are only ever added, so merging can never drop one that arrived live while
  // a resync was in flight.
  function show(entry) {
    if (has(entry.id)) return;
    var node = render(entry);
    var older = Array.prototype.find.call(list.children, function (li) {
      return li.querySelector('time').getAttribute('datetime') < entry.createdAt;
    });
    list.insertBefore(node, older || null);
    while (list.children.length > maxEntries) list.removeChild(list.lastChild);
  }

  function resync() {
    fetch('/api/entries?limit=' + maxEntries, { headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (page) { if (page) page.entries.forEach(show); })
      .catch(function () { /* the next reconnect tries again */ });
  }

  var backoffMs = 1000;
  function connect() {
    var source = new EventSource('/live');
    source.addEventListener('open', function () {
      backoffMs = 1000;
      setStatus('Live updates on.');
      resync();
    });
    source.addEventListener('entry', function (event) { show(JSON.parse(event.data)); });
    source.addEventListener('resync', resync);
    source.addEventListener('error', function () {
      setStatus('Live updates paused, reconnecting\\u2026');
      // The browser retries a dropped stream itself, but gives up after an
      // error status (e.g. 503 while no instance is ready): then we retry.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, backoffMs);
        backoffMs = Math.min(backoffMs * 2, 15000);
      }
    });
  }

  function idempotencyKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  // Reuse the server's message after a rejected no-script post, so only one shows.
  var formError = form.querySelector('.error');
  if (!formError) {
    formError = element('p', 'error');
    formError.setAttribute('role', 'alert');
    formError.hidden = true;
    form.insertBefore(formError, form.firstChild);
  }
  var button = form.querySelector('button');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var body = JSON.stringify({ author: form.elements.author.value, text: form.elements.text.value });
    button.disabled = true;
    fetch('/api/entries', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey() },
      body: body
    })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (json) {
          if (!res.ok) throw new Error(json.error ? json.error.message : 'Posting failed (HTTP ' + res.status + ').');
          show(json);
          formError.hidden = true;
          form.elements.text.value = '';
          form.elements.text.focus();
        });
      })
      .catch(function (err) {
        // fetch rejects with a TypeError only when the server could not be reached.
        formError.textContent = err instanceof TypeError ? 'Could not reach the guestbook; please try again.' : err.message;
        formError.hidden = false;
      })
      .then(function () { button.disabled = false; });
  });

  connect();
})();
`;

/** Serves the script; `no-cache` plus Express's ETag means a cheap 304 on every later page view. */
export const liveScriptHandler: RequestHandler = (_req, res) => {
  res.type('text/javascript').set('Cache-Control', 'no-cache').send(liveScriptSource);
};

/** The tag a page adds to load the script; `defer` keeps it off the critical rendering path. */
export const liveScriptTag = '<script src="/live.js" defer></script>';
