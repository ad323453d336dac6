// The page's only script (served as /live.js). The page is complete without
// it; when it runs it adds two things:
// - live updates: new entries arrive over server-sent events from `/live`;
//   after every (re)connect the list is fetched again and merged in, so
//   nothing posted while the stream was down is missed;
// - the form posts as JSON (with an Idempotency-Key, so a retried click
//   creates one entry) and shows the result without a reload.
// Entries are built with textContent only: user text never becomes markup.
import type { Entry, Page } from '@fig/guestbook';

const maxEntries = 20;

interface EntryForm extends HTMLFormElement {
  readonly elements: HTMLFormControlsCollection & {
    author: HTMLInputElement;
    text: HTMLInputElement | HTMLTextAreaElement;
  };
}

function element(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** User text with its direction isolated (`dir="auto"`, as the server renders it): it cannot reorder the line around it. */
function userText(tag: string, className: string, text: string): HTMLElement {
  const node = element(tag, className, text);
  node.dir = 'auto';
  return node;
}

/** The label and, as visible text beside it, the model version that scored it (as the server renders them). */
function badge(sentiment: Entry['sentiment']): (HTMLElement | string)[] {
  if (!sentiment) return [element('span', 'badge unscored', 'not yet scored')];
  const node = element('span', `badge ${sentiment.label}`, sentiment.label);
  node.title = `score ${sentiment.score} (model ${sentiment.model})`;
  const model = element('span', 'model', `model ${sentiment.model}`);
  model.setAttribute('data-model', sentiment.model);
  return [node, ' ', model];
}

function render(entry: Entry): HTMLElement {
  const item = element('li', 'entry');
  item.setAttribute('data-id', entry.id);
  const meta = element('p', 'meta');
  const time = element('time', '', entry.createdAt.replace('T', ' ').slice(0, 16));
  time.setAttribute('datetime', entry.createdAt);
  meta.append(
    userText('strong', 'author', entry.author),
    ' ',
    ...badge(entry.sentiment),
    ' ',
    time,
  );
  item.append(meta, userText('p', 'text', entry.text));
  return item;
}

function idempotencyKey(): string {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');
}

function start(list: HTMLElement, form: EntryForm) {
  const status = element('p', 'live-status');
  status.id = 'live-status';
  status.setAttribute('role', 'status');
  list.parentNode?.insertBefore(status, list);
  const setStatus = (text: string) => (status.textContent = text);

  const items = () => Array.from(list.children);
  const has = (id: string) => items().some((li) => li.getAttribute('data-id') === id);

  // Newest first, by creation time (ISO-8601 UTC strings sort as text). Entries
  // are only ever added, so merging can never drop one that arrived live while
  // a resync was in flight.
  function show(entry: Entry) {
    if (has(entry.id)) return;
    const older = items().find(
      (li) => (li.querySelector('time')?.getAttribute('datetime') ?? '') < entry.createdAt,
    );
    list.insertBefore(render(entry), older ?? null);
    while (list.children.length > maxEntries && list.lastChild) list.removeChild(list.lastChild);
  }

  function resync() {
    fetch(`/api/entries?limit=${maxEntries}`, { headers: { accept: 'application/json' } })
      .then((res) => (res.ok ? (res.json() as Promise<Page>) : null))
      .then((page) => page?.entries.forEach(show))
      .catch(() => {
        // the next reconnect tries again
      });
  }

  let backoffMs = 1000;
  function connect() {
    const source = new EventSource('/live');
    source.addEventListener('open', () => {
      backoffMs = 1000;
      setStatus('Live updates on.');
      resync();
    });
    source.addEventListener('entry', (event) => show(JSON.parse((event as MessageEvent).data)));
    source.addEventListener('resync', resync);
    source.addEventListener('error', () => {
      setStatus('Live updates paused, reconnecting\u2026');
      // The browser retries a dropped stream itself, but gives up after an
      // error status (e.g. 503 while no instance is ready): then we retry.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, backoffMs);
        backoffMs = Math.min(backoffMs * 2, 15000);
      }
    });
  }

  // Reuse the server's message after a rejected no-script post, so only one shows.
  let formError = form.querySelector<HTMLElement>('.error');
  if (!formError) {
    formError = element('p', 'error');
    formError.setAttribute('role', 'alert');
    formError.hidden = true;
    form.insertBefore(formError, form.firstChild);
  }
  const error = formError;
  const button = form.querySelector('button');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { author, text } = form.elements;
    const body = JSON.stringify({ author: author.value, text: text.value });
    if (button) button.disabled = true;
    fetch('/api/entries', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey() },
      body,
    })
      .then((res) =>
        res
          .json()
          .catch(() => ({}))
          .then((json: { error?: { message: string } } & Partial<Entry>) => {
            if (!res.ok) {
              throw new Error(
                json.error ? json.error.message : `Posting failed (HTTP ${res.status}).`,
              );
            }
            show(json as Entry);
            error.hidden = true;
            text.value = '';
            text.focus();
          }),
      )
      .catch((err: unknown) => {
        // fetch rejects with a TypeError only when the server could not be reached.
        error.textContent =
          err instanceof TypeError
            ? 'Could not reach the guestbook; please try again.'
            : (err as Error).message;
        error.hidden = false;
      })
      .then(() => {
        if (button) button.disabled = false;
      });
  });

  connect();
}

const list = document.getElementById('entries');
const form = document.getElementById('entry-form') as EntryForm | null;
if (list && form && 'EventSource' in window && 'fetch' in window) start(list, form);
