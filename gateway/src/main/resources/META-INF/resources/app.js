// The web UI: plain JavaScript over the gateway's API (gateway/README.md), no build step.
//
// The page is served under a strict Content-Security-Policy (default-src 'self'; img-src 'self' blob: data:), so
// there is no inline script and no inline handler: every event is wired here with addEventListener. Text that a
// user or another client chose (prompts, adapter names, trigger tokens, reasons) is only ever inserted as text
// (textContent, append of a string), never parsed as HTML.
//
// Every /api call needs the tab's API key in an Authorization header. Neither EventSource nor <img src> can send
// one, so the job's event stream is read with fetch, and images are fetched and shown through blob URLs.
'use strict';

const $ = id => document.getElementById(id);
const enc = encodeURIComponent;
const FINAL = ['succeeded', 'failed', 'cancelled'];
/** Where the tab keeps its key: sessionStorage lives and dies with the tab, and the browser never sends it itself. */
const KEY_ITEM = 'sdtune.api-key';
/** An API key's shape: a mistyped key is caught here, without sending it anywhere. */
const KEY_SHAPE = /^sdt_[A-Za-z0-9_-]{43}$/;
/** How long to wait before reading a job's stream again when it broke before the job's final event. */
const RECONNECT_MS = 3000;

/** A refusal of the API: its status and RFC 7807 problem body. */
class ApiError extends Error {
  constructor(status, problem) {
    const problems = problem.problems ? '\n- ' + problem.problems.join('\n- ') : '';
    super(`${status} ${problem.detail || problem.title || ''}${problems}`);
    this.status = status;
    this.problem = problem;
  }
}

/** A call refused for its key (401): the page has signed out already, and the sign-in form says why. */
class SignedOut extends Error {
}

/**
 * The blob URLs made for one rendering of a part of the page (the gallery, a validation round), revoked together
 * when that part is drawn again - each holds its image's bytes until revoked.
 */
class BlobUrls {
  constructor() {
    this.urls = [];
    this.revoked = false;
  }

  /** A URL for the blob; null when this rendering was replaced while the blob was on its way. */
  create(blob) {
    if (this.revoked) {
      return null;
    }
    const url = URL.createObjectURL(blob);
    this.urls.push(url);
    return url;
  }

  revokeAll() {
    this.revoked = true;
    this.urls.forEach(url => URL.revokeObjectURL(url));
    this.urls = [];
  }
}

/**
 * The text/event-stream format (WHATWG HTML, "Server-sent events") for text that arrives in pieces: lines end with
 * CRLF, LF or CR; "field:value" lines (one space after the colon dropped) build a frame, lines starting with ":"
 * are comments, and a blank line dispatches the frame if it has data. Only `event` and `data` matter here: `id`
 * and `retry` serve EventSource's reconnection, and a new reading of a job replays it from its start anyway.
 */
class SseParser {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.type = '';
    this.data = [];
  }

  push(text) {
    this.buffer += text;
    this.takeLines(false);
  }

  /** The stream ended: a frame without its closing blank line is dropped, as the standard says. */
  end() {
    this.takeLines(true);
    this.buffer = '';
    this.reset();
  }

  takeLines(atEnd) {
    const lineBreak = /\r\n|\r|\n/g;
    let start = 0;
    let match;
    while ((match = lineBreak.exec(this.buffer)) !== null) {
      // a CR that ends the text so far may be the first half of a CRLF: wait for the next piece to tell
      if (match[0] === '\r' && lineBreak.lastIndex === this.buffer.length && !atEnd) {
        break;
      }
      this.line(this.buffer.slice(start, match.index));
      start = lineBreak.lastIndex;
    }
    this.buffer = this.buffer.slice(start);
  }

  line(line) {
    if (line === '') {
      if (this.data.length > 0) {
        this.onFrame({event: this.type || 'message', data: this.data.join('\n')});
      }
      this.reset();
      return;
    }
    if (line.startsWith(':')) {
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.type = value;
    } else if (field === 'data') {
      this.data.push(value);
    }
  }
}

let apiKey = null;
/** Counts sign-ins and sign-outs: an answer that arrives after the key changed belongs to no one on the page now. */
let epoch = 0;
let datasetId = null;
let jobId = null;
/** The AbortController of the job's event stream being read, if any. */
let watcher = null;
let losses = [];
let validationUrls = new BlobUrls();
let galleryUrls = new BlobUrls();

// --- Calling the API ---

/**
 * Every API call goes through here: it sends the tab's key, and a 401 (a key revoked, or mistyped) signs out with
 * the gateway's reason. Resolves to the Response when it is 2xx, else throws ApiError (or SignedOut).
 */
async function request(method, path, {body, signal, accept} = {}) {
  const key = apiKey;
  if (!key) {
    throw new SignedOut('not signed in');
  }
  const headers = {Authorization: `Bearer ${key}`};
  if (accept) {
    headers.Accept = accept;
  }
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, {method, headers, body: payload, signal});
  if (response.status === 401) {
    const problem = await readProblem(response);
    // a 401 for a key the tab has already replaced says nothing about the new one
    if (apiKey === key) {
      signOut(`The key was refused: ${problem.detail || problem.title || 'unauthorized'}`);
    }
    throw new SignedOut(problem.detail || 'unauthorized');
  }
  if (!response.ok) {
    throw new ApiError(response.status, await readProblem(response));
  }
  return response;
}

/** The answer's JSON (null for an empty body, such as a 204's). */
async function call(method, path, body) {
  const response = await request(method, path, {body});
  const text = await response.text();
  $('problem').hidden = true;
  return text ? JSON.parse(text) : null;
}

/** The RFC 7807 body of a refusal, or what stands for one when the body is not JSON. */
async function readProblem(response) {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text);
    if (problem && typeof problem === 'object') {
      return problem;
    }
  } catch (e) {
    // not JSON: a proxy's page, say
  }
  return {status: response.status, detail: text.trim() || response.statusText};
}

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = false;
}

/**
 * Shows what went wrong in a handler, so that nothing is left as an unhandled rejection. A refusal shows its
 * problem; a sign-out and a stopped stream need nothing more; anything else is a failure worth a console entry.
 */
function report(error) {
  if (error instanceof SignedOut || error.name === 'AbortError') {
    return;
  }
  showProblem(error instanceof ApiError ? error.message : `${error.message || error}`);
  if (!(error instanceof ApiError)) {
    console.error(error);
  }
}

/** Wires an event of an element (or of the one with that id) to a handler, whose errors are reported. */
function on(target, type, handler) {
  const element = typeof target === 'string' ? $(target) : target;
  element.addEventListener(type, event => {
    try {
      // called at once, so that a handler can still preventDefault() before its first await
      Promise.resolve(handler(event)).catch(report);
    } catch (e) {
      report(e);
    }
  });
}

function button(text, className) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.className = className;
  return element;
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

// --- Signing in ---

/** Checks a key with GET /api/whoami; a key that is taken is kept for this tab, and the page opens for it. */
async function signIn(key) {
  apiKey = key;
  let who;
  try {
    who = await call('GET', '/api/whoami');
  } catch (e) {
    // a key that could not be checked is not kept either: typing it again is the retry
    if (!(e instanceof SignedOut)) {
      signOut(`The key could not be checked: ${e.message}`);
    }
    return;
  }
  sessionStorage.setItem(KEY_ITEM, key);
  epoch++;
  $('api-key').value = '';
  $('signed-in-as').textContent = `signed in as ${who.tenant}`;
  $('signed-in-as').title = who.principal ? `key ${who.principal}` : '';
  $('signin').hidden = true;
  $('session').hidden = false;
  $('app').hidden = false;
  showDefaults().catch(report);
  suggestPrompts().catch(report);
  loadAdapters().catch(report);
  loadGallery().catch(report);
}

/** Forgets the key, and all the page showed with it (another key may be another tenant's), then asks for a key. */
function signOut(reason) {
  apiKey = null;
  sessionStorage.removeItem(KEY_ITEM);
  epoch++;
  clearPage();
  $('app').hidden = true;
  $('session').hidden = true;
  $('signin').hidden = false;
  $('signin-reason').textContent = reason || '';
  $('signin-reason').hidden = !reason;
  $('api-key').focus();
}

function clearPage() {
  stopWatching();
  datasetId = null;
  jobId = null;
  $('dataset-id').textContent = 'none yet';
  $('delete-dataset-button').disabled = true;
  $('job-id').textContent = 'none yet';
  $('cancel-button').disabled = true;
  resetJobView();
  $('adapters').replaceChildren();
  galleryUrls.revokeAll();
  $('gallery').replaceChildren();
  for (const id of ['generation-state', 'download-state', 'import-state', 'signed-in-as']) {
    $(id).textContent = '';
  }
  $('problem').hidden = true;
}

on('signin-form', 'submit', event => {
  event.preventDefault();  // the form is never sent anywhere: the key must not end up in a URL
  const key = $('api-key').value.trim();
  if (!KEY_SHAPE.test(key)) {
    signOut('That is not an API key: a key is sdt_ followed by 43 letters, digits, - or _.');
    return undefined;
  }
  return signIn(key);
});

on('signout-button', 'click', () => signOut(''));

// --- 1. Images ---

on('upload-button', 'click', async () => {
  const form = new FormData();
  for (const file of $('files').files) {
    form.append('images', file, file.name);
  }
  datasetId = (await call('POST', '/api/datasets', form)).dataset_id;
  $('dataset-id').textContent = datasetId;
  $('delete-dataset-button').disabled = false;
});

on('delete-dataset-button', 'click', async () => {
  const id = datasetId;
  await call('DELETE', `/api/datasets/${enc(id)}`);
  if (datasetId === id) {
    datasetId = null;
    $('dataset-id').textContent = `none (${id} deleted)`;
    $('delete-dataset-button').disabled = true;
  }
});

// --- 2. Training ---

/**
 * The base model's example prompt, as the prompt to draw and the validation hint, its instance prompt and its
 * guidance scale (each unless one was typed already).
 */
async function suggestPrompts() {
  const model = await call('GET', '/api/models/default');
  for (const [id, suggested] of [['prompt', model.example_prompt], ['instance-prompt', model.instance_prompt],
    ['guidance', model.guidance_scale]]) {
    const input = $(id);
    if (input.value === input.defaultValue) {
      input.value = suggested;
    }
  }
  $('validation-prompt').placeholder = model.example_prompt;
}

async function showDefaults() {
  const method = $('method').value;
  for (const part of document.querySelectorAll('[data-for]')) {
    part.hidden = !part.dataset.for.split(' ').includes(method);
  }
  const defaults = await call('GET', `/api/trainings/defaults/${enc(method)}`);
  $('hyper-parameters').value = JSON.stringify(defaults, null, 2);
  // the default base model's size, which generation requests for it default to as well
  $('width').value = $('height').value = defaults.resolution;
}
on('method', 'change', showDefaults);

on('start-button', 'click', async () => {
  const method = $('method').value;
  let hyperParameters;
  try {
    hyperParameters = JSON.parse($('hyper-parameters').value);
  } catch (e) {
    showProblem(`The hyper-parameters are not JSON: ${e.message}`);
    return;
  }
  const request = {method, dataset_id: datasetId, hyper_parameters: hyperParameters};
  if ($('validation-prompt').value) {
    request.validation_prompt = $('validation-prompt').value;
  }
  if (method === 'TEXTUAL_INVERSION') {
    request.placeholder_token = $('placeholder-token').value;
    request.initializer_token = $('initializer-token').value;
  } else {
    request.instance_prompt = $('instance-prompt').value;
  }
  jobId = (await call('POST', '/api/trainings', request)).job_id;
  $('job-id').textContent = jobId;
  $('cancel-button').disabled = false;
  await watch(jobId);
});

// The stream is read on: the trainer answers the cancellation with a `cancelled` event, the stream's last.
on('cancel-button', 'click', () => call('DELETE', `/api/trainings/${enc(jobId)}`));

function stopWatching() {
  if (watcher) {
    watcher.abort();
    watcher = null;
  }
}

/**
 * Follows the job's events, read with fetch since EventSource cannot send the key: the gateway replays every event
 * from the job's start, then streams live ones, and ends the stream after the final one. A stream that ends or
 * breaks before that is read again after a pause (as EventSource would reconnect); a refusal (the job unknown or
 * dropped: 404) ends the watch, and so does abort() - another job watched, a sign-out.
 */
async function watch(id) {
  stopWatching();
  const controller = new AbortController();
  watcher = controller;
  resetJobView();
  while (!controller.signal.aborted) {
    let finished = false;
    try {
      const response = await request('GET', `/api/trainings/${enc(id)}/events`,
          {signal: controller.signal, accept: 'text/event-stream'});
      losses = [];  // each reading replays the job from its start
      finished = await readEventStream(response.body, frame => onFrame(frame));
    } catch (e) {
      if (controller.signal.aborted || e instanceof ApiError || e instanceof SignedOut) {
        throw e;
      }
      // the connection broke (fetch's TypeError): read again below
    }
    if (finished) {
      break;
    }
    await sleep(RECONNECT_MS);
  }
  if (watcher === controller) {
    watcher = null;
  }
}

/**
 * Reads a text/event-stream body frame by frame until it ends, or until onFrame returns true (the final event),
 * when the rest is cancelled, which closes the connection. Resolves to whether onFrame said so.
 */
async function readEventStream(body, onFrame) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let stop = false;
  const parser = new SseParser(frame => {
    if (!stop) {
      stop = onFrame(frame) === true;
    }
  });
  for (;;) {
    const {value, done} = await reader.read();
    if (done) {
      parser.end();
      return stop;
    }
    parser.push(value);
    if (stop) {
      await reader.cancel();
      return true;
    }
  }
}

/** One frame of the job's stream; true for its final event. A frame that cannot be shown is reported, not fatal. */
function onFrame(frame) {
  try {
    const seen = JSON.parse(frame.data);
    onEvent(seen);
    return FINAL.includes(seen.type);
  } catch (e) {
    report(e);
    return false;
  }
}

function onEvent(seen) {
  const event = seen.event;
  if (seen.type !== 'checkpoint' && seen.type !== 'validation') {
    $('job-state').textContent = seen.type + (event.reason ? `: ${event.reason}` : '')
        + (event.adapter_id ? ` - adapter ${event.adapter_id}` : '');
  }
  if (seen.type === 'progress') {
    $('progress').value = event.step / event.total_steps;
    $('progress-text').textContent = `step ${event.step}/${event.total_steps}, loss ${event.loss.toFixed(4)}, `
        + `${event.seconds_per_step.toFixed(2)} s/step, about ${Math.round(event.eta_seconds)} s left`;
    losses.push([event.step, event.loss]);
    drawLoss(event.total_steps);
  }
  if (seen.type === 'validation') {
    showValidation(event);
  }
  if (FINAL.includes(seen.type)) {
    $('cancel-button').disabled = true;
    if (seen.type === 'succeeded') {
      $('progress').value = 1;
      reloadAdaptersUntil(event.adapter_id, true).catch(report);
    }
  }
}

function resetJobView() {
  losses = [];
  $('job-state').textContent = '';
  $('progress').value = 0;
  $('progress-text').textContent = '';
  const canvas = $('loss');
  canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
  validationUrls.revokeAll();
  $('validation').replaceChildren();
}

/** The latest validation round: the validation prompt drawn with the weights of its step. */
function showValidation(event) {
  validationUrls.revokeAll();
  validationUrls = new BlobUrls();
  const images = [];
  for (const image of event.images) {
    const url = imageUrl(image.key);
    if (url) {
      const img = document.createElement('img');
      img.title = img.alt = `${$('validation-prompt').value} (step ${event.step})`;
      showImage(img, url, validationUrls);
      images.push(img);
    }
  }
  $('validation').replaceChildren(`step ${event.step}: `, ...images);
}

/**
 * The API's URL of a stored image, from its key in an event: tenants/<tenant>/images/<setId>/<n>.png is served as
 * /api/images/<setId>/<n>.png (the caller's tenant is the key's). Null for a key that is not an image's.
 */
function imageUrl(key) {
  const match = /(?:^|\/)images\/([^/]+)\/([0-9]+)\.png$/.exec(key);
  return match ? `/api/images/${enc(match[1])}/${match[2]}.png` : null;
}

function drawLoss(totalSteps) {
  const canvas = $('loss');
  const context = canvas.getContext('2d');
  const top = Math.max(...losses.map(([, loss]) => loss)) || 1;
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.beginPath();
  losses.forEach(([step, loss], i) => {
    const x = step / totalSteps * canvas.width;
    const y = canvas.height - loss / top * (canvas.height - 4);
    i === 0 ? context.moveTo(x, y) : context.lineTo(x, y);
  });
  context.stroke();
}

// --- Images ---

/**
 * Loads an image of the API with the key (an <img src> cannot send it) and shows it through a blob URL of `urls`.
 * An image that cannot be had (deleted meanwhile: 404) is marked, not reported: one gap is no reason for a problem.
 */
async function showImage(img, url, urls) {
  img.dataset.src = url;  // the API's URL, for whoever inspects the page
  try {
    const response = await request('GET', url);
    const objectUrl = urls.create(await response.blob());
    if (objectUrl) {
      img.src = objectUrl;
    }
  } catch (e) {
    if (!(e instanceof SignedOut) && e.name !== 'AbortError') {
      img.classList.add('missing');
      img.title = `${img.title} - not loaded: ${e.message}`;
    }
  }
}

// --- 3. Adapters: listed, ticked for a generation, downloaded, deleted, imported ---

async function loadAdapters() {
  const at = epoch;
  const adapters = await call('GET', '/api/adapters');
  if (at !== epoch) {
    return;
  }
  const ticked = tickedAdapters();
  $('adapters').replaceChildren(...adapters.map(adapter => adapterView(adapter, ticked.get(adapter.id))));
}

/**
 * Reloads the adapters until the adapter `id` is listed (`listed` true) or gone (false): the gateway's
 * list follows the adapters topic, which may come after a job's success or a deletion's answer. At most 30 tries, a
 * second apart.
 */
async function reloadAdaptersUntil(id, listed) {
  const at = epoch;
  for (let tries = 0; tries < 30 && at === epoch; tries++) {
    await loadAdapters();
    if (!id || listed === Boolean(document.querySelector(`#adapters .adapter[data-adapter-id="${CSS.escape(id)}"]`))) {
      return;
    }
    await sleep(1000);
  }
}

/** The adapters ticked for the next generation: id to scale. */
function tickedAdapters() {
  const ticked = new Map();
  for (const row of $('adapters').querySelectorAll('.adapter')) {
    if (row.querySelector('input[type=checkbox]').checked) {
      ticked.set(row.dataset.adapterId, Number(row.querySelector('input[type=number]').value));
    }
  }
  return ticked;
}

/** One adapter: tick and scale (kept across a refresh), its files to download, and a delete button. */
function adapterView(adapter, tickedScale) {
  const row = document.createElement('div');
  row.className = 'adapter';
  row.dataset.adapterId = adapter.id;
  const use = document.createElement('input');
  use.type = 'checkbox';
  use.dataset.adapterId = adapter.id;
  use.checked = tickedScale !== undefined;
  const scale = document.createElement('input');
  scale.type = 'number';
  scale.step = '0.1';
  scale.min = '-2';
  scale.max = '2';
  scale.value = String(tickedScale ?? 1);
  const label = document.createElement('label');
  const tokens = (adapter.trigger_tokens || []).join(' ');
  label.append(use, ` ${adapter.name ? `${adapter.name} - ` : ''}${adapter.id} (${adapter.kind}, ${tokens})`);
  const remove = button('Delete', 'delete-adapter');
  on(remove, 'click', () => deleteAdapter(adapter));
  row.append(label, ' scale ', scale, ' ', remove, filesView(adapter));
  return row;
}

/** A disclosure that lists the adapter's files when first opened, each with a button per format it is offered in. */
function filesView(adapter) {
  const details = document.createElement('details');
  details.className = 'files';
  const summary = document.createElement('summary');
  summary.textContent = 'Files';
  const list = document.createElement('div');
  details.append(summary, list);
  let loaded = false;
  on(details, 'toggle', async () => {
    if (!details.open || loaded) {
      return;
    }
    loaded = true;
    list.textContent = 'loading...';
    try {
      const files = await call('GET', `/api/adapters/${enc(adapter.id)}/files`);
      list.replaceChildren(...files.map(file => fileView(adapter, file)));
    } catch (e) {
      loaded = false;  // a second opening tries again
      list.textContent = 'not listed';
      throw e;
    }
  });
  return details;
}

/** A file of an adapter: its name and size, and a button per format; the first is the file as stored. */
function fileView(adapter, file) {
  const row = document.createElement('div');
  row.className = 'file';
  row.append(`${file.name} (${file.size_bytes} bytes) `);
  const formats = file.formats && file.formats.length > 0 ? file.formats : [''];
  formats.forEach((format, i) => {
    const save = button(i === 0 ? `download${format ? ` (${format})` : ''}` : `as ${format}`, 'download');
    save.dataset.file = file.name;
    save.dataset.format = format;
    // the first format is what the file is: asked for without ?format=
    on(save, 'click', () => download(adapter, file, i === 0 ? '' : format));
    row.append(save, ' ');
  });
  return row;
}

/**
 * Fetches a file of an adapter with the key (a link cannot send it) and saves it through a blob URL, under the name
 * the gateway gives. The whole file passes through the tab's memory, a DreamBooth model's GBs too.
 */
async function download(adapter, file, format) {
  // a file's name is its path in the adapter: each segment is encoded, the slashes kept
  const path = `/api/adapters/${enc(adapter.id)}/files/${file.name.split('/').map(enc).join('/')}`
      + (format ? `?format=${enc(format)}` : '');
  const what = file.name + (format ? ` as ${format}` : '');
  $('download-state').textContent = `downloading ${what}...`;
  try {
    const response = await request('GET', path);
    const blob = await response.blob();
    const name = attachmentName(response.headers.get('Content-Disposition')) || file.name.split('/').pop();
    saveBlob(blob, name);
    $('download-state').textContent = `saved ${name}: ${blob.size} bytes`;
  } catch (e) {
    $('download-state').textContent = `${what} not downloaded`;
    throw e;
  }
}

/** The file name of a Content-Disposition header: filename* (RFC 6266, UTF-8) first, else filename. */
function attachmentName(header) {
  if (!header) {
    return null;
  }
  const extended = /filename\*\s*=\s*utf-8''([^;\s]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]);
    } catch (e) {
      // badly encoded: try the plain name
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
  if (!plain) {
    return null;
  }
  return plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2];
}

/** Saves a blob as a file the way a link with `download` does; the browser cleans the name up. */
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // not revoked at once: the browser may read the blob after click() has returned
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function deleteAdapter(adapter) {
  const name = adapter.name ? `${adapter.name} (${adapter.id})` : adapter.id;
  if (!confirm(`Delete the adapter ${name}? Its files are deleted; generations with it are refused from then on.`)) {
    return;
  }
  await call('DELETE', `/api/adapters/${enc(adapter.id)}`);
  await reloadAdaptersUntil(adapter.id, false);
}

on('refresh-adapters', 'click', loadAdapters);

on('import-form', 'submit', async event => {
  event.preventDefault();
  const file = $('import-file').files[0];
  if (!file) {
    $('import-state').textContent = 'Choose a file to import.';
    return;
  }
  const form = new FormData();
  form.append('file', file, file.name);
  form.append('kind', $('import-kind').value);
  const name = $('import-name').value.trim();
  if (name) {
    form.append('name', name);
  }
  const tokens = $('import-tokens').value.trim().split(/\s+/).filter(token => token).join(' ');
  if (tokens) {
    form.append('trigger_tokens', tokens);
  }
  $('import-state').textContent = `importing ${file.name}...`;
  let adapter;
  try {
    adapter = await call('POST', '/api/adapters', form);
  } catch (e) {
    $('import-state').textContent = e instanceof ApiError
        ? `refused: ${e.problem.detail || e.message}` : `${file.name} not imported`;
    throw e;
  }
  $('import-state').textContent = `imported ${adapter.name ? `${adapter.name} - ` : ''}${adapter.id}`;
  $('import-form').reset();
  await loadAdapters();
});

// --- Generation ---

on('generate-button', 'click', async () => {
  const at = epoch;
  const number = id => $(id).value === '' ? undefined : Number($(id).value);
  const adapters = [...tickedAdapters()].map(([id, scale]) => ({adapter_id: id, scale}));
  const request = {
    prompt: $('prompt').value, negative_prompt: $('negative-prompt').value, adapters,
    num_inference_steps: number('steps'), guidance_scale: number('guidance'), scheduler: $('scheduler').value,
    seed: number('seed'), width: number('width'), height: number('height'), num_images_per_prompt: number('count'),
  };
  const requestId = (await call('POST', '/api/generations', request)).request_id;
  $('generation-state').textContent = `request ${requestId}: pending`;
  let status;
  do {
    await sleep(1000);
    if (at !== epoch) {
      return;  // signed out meanwhile
    }
    status = await call('GET', `/api/generations/${enc(requestId)}`);
  } while (status.state === 'pending');
  $('generation-state').textContent = `request ${requestId}: ${status.state}` + (status.reason ? `: ${status.reason}` : '');
  await loadGallery();
});

// --- Gallery ---

/** The latest generations of the tenant (this page, bin/sdtune --demo, the API), newest first. */
async function loadGallery() {
  const at = epoch;
  const generations = await call('GET', '/api/generations?limit=50');
  if (at !== epoch) {
    return;
  }
  galleryUrls.revokeAll();
  galleryUrls = new BlobUrls();
  const shown = generations.filter(generation => (generation.images || []).length > 0);
  $('gallery').replaceChildren(...shown.map(generation => generationView(generation, galleryUrls)));
}

/** A generation's images, each captioned with its prompt, and a button that deletes it. */
function generationView(generation, urls) {
  const view = document.createElement('article');
  view.className = 'generation';
  view.dataset.requestId = generation.request_id;
  const text = generation.prompt || `request ${generation.request_id}`;
  for (const url of generation.images) {
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.title = img.alt = text;
    showImage(img, url, urls);
    const caption = document.createElement('figcaption');
    caption.textContent = text;
    figure.append(img, caption);
    view.append(figure);
  }
  const remove = button('Delete', 'delete-generation');
  on(remove, 'click', async () => {
    await call('DELETE', `/api/generations/${enc(generation.request_id)}`);
    await loadGallery();
  });
  view.append(remove);
  return view;
}

on('refresh-gallery', 'click', loadGallery);

// --- Start: the tab's key if it has one, else the sign-in form ---

const storedKey = sessionStorage.getItem(KEY_ITEM);
if (storedKey) {
  signIn(storedKey).catch(report);
} else {
  signOut('');
}
