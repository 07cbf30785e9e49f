// The web UI: plain JavaScript over the gateway's API (gateway/README.md), no build step.
'use strict';

const $ = id => document.getElementById(id);
const FINAL = ['succeeded', 'failed', 'cancelled'];
let datasetId = null;
let jobId = null;
let events = null;
let losses = [];

/** JSON from the API, or the problem body shown and thrown. */
async function call(method, path, body) {
  const options = {method};
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers = {'Content-Type': 'application/json'};
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const problems = json && json.problems ? '\n- ' + json.problems.join('\n- ') : '';
    showProblem(`${response.status} ${json ? json.detail || json.title : ''}${problems}`);
    throw new Error(json ? json.detail : response.statusText);
  }
  $('problem').hidden = true;
  return json;
}

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = false;
}

$('upload-button').onclick = async () => {
  const form = new FormData();
  for (const file of $('files').files) {
    form.append('images', file, file.name);
  }
  datasetId = (await call('POST', '/api/datasets', form)).dataset_id;
  $('dataset-id').textContent = datasetId;
};

async function showDefaults() {
  const method = $('method').value;
  for (const part of document.querySelectorAll('[data-for]')) {
    part.hidden = !part.dataset.for.split(' ').includes(method);
  }
  const defaults = await call('GET', `/api/trainings/defaults/${method}`);
  $('hyper-parameters').value = JSON.stringify(defaults, null, 2);
  // the default base model's size, which generation requests for it default to as well
  $('width').value = $('height').value = defaults.resolution;
}
$('method').onchange = showDefaults;

$('start-button').onclick = async () => {
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
  watch(jobId);
};

$('cancel-button').onclick = () => call('DELETE', `/api/trainings/${jobId}`);

/** Follows the job's events: the gateway replays them from the start, then streams live ones. */
function watch(id) {
  if (events) {
    events.close();
  }
  losses = [];
  $('validation').innerHTML = '';
  events = new EventSource(`/api/trainings/${id}/events`);
  events.onopen = () => {
    losses = [];  // each connection, a reconnection too, replays the job from its start
  };
  for (const type of ['queued', 'started', 'progress', 'checkpoint', 'validation', ...FINAL]) {
    events.addEventListener(type, message => onEvent(JSON.parse(message.data)));
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
        + `about ${Math.round(event.eta_seconds)} s left`;
    losses.push([event.step, event.loss]);
    drawLoss(event.total_steps);
  }
  if (seen.type === 'validation') {
    showValidation(event);
  }
  if (FINAL.includes(seen.type)) {
    events.close();  // else EventSource reconnects and the gateway replays the job again
    $('cancel-button').disabled = true;
    if (seen.type === 'succeeded') {
      $('progress').value = 1;
      loadAdapters();
    }
  }
}

/** The latest validation round: the validation prompt drawn with the weights of its step. */
function showValidation(event) {
  $('validation').innerHTML = '';
  $('validation').append(`step ${event.step}: `);
  for (const image of event.images) {
    const img = document.createElement('img');
    img.src = '/api/' + image.key;
    img.title = img.alt = `${$('validation-prompt').value} (step ${event.step})`;
    $('validation').append(img);
  }
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

async function loadAdapters() {
  const adapters = await call('GET', '/api/adapters');
  $('adapters').innerHTML = '';
  for (const adapter of adapters) {
    const row = document.createElement('div');
    const use = document.createElement('input');
    use.type = 'checkbox';
    use.dataset.adapterId = adapter.id;
    const scale = document.createElement('input');
    scale.type = 'number';
    scale.step = '0.1';
    scale.min = '-2';
    scale.max = '2';
    scale.value = '1';
    scale.dataset.scaleOf = adapter.id;
    const label = document.createElement('label');
    label.append(use, ` ${adapter.id} (${adapter.kind}, ${adapter.trigger_tokens.join(' ')})`);
    row.append(label, ' scale ', scale);
    $('adapters').append(row);
  }
}
$('refresh-adapters').onclick = loadAdapters;

$('generate-button').onclick = async () => {
  const number = id => $(id).value === '' ? undefined : Number($(id).value);
  const adapters = [...$('adapters').querySelectorAll('input[type=checkbox]:checked')]
      .map(use => use.dataset.adapterId)
      .map(id => ({adapter_id: id, scale: Number($('adapters').querySelector(`[data-scale-of="${id}"]`).value)}));
  const request = {
    prompt: $('prompt').value, negative_prompt: $('negative-prompt').value, adapters,
    num_inference_steps: number('steps'), guidance_scale: number('guidance'), scheduler: $('scheduler').value,
    seed: number('seed'), width: number('width'), height: number('height'), num_images_per_prompt: number('count'),
  };
  const requestId = (await call('POST', '/api/generations', request)).request_id;
  $('generation-state').textContent = `request ${requestId}: pending`;
  let status;
  do {
    await new Promise(resolve => setTimeout(resolve, 1000));
    status = await call('GET', `/api/generations/${requestId}`);
  } while (status.state === 'pending');
  $('generation-state').textContent = `request ${requestId}: ${status.state}` + (status.reason ? `: ${status.reason}` : '');
  await loadGallery();
};

/** The latest generations of every client (this page, bin/sdtune --demo, the API), newest first. */
async function loadGallery() {
  const generations = await call('GET', '/api/generations?limit=50');
  $('gallery').innerHTML = '';
  for (const generation of generations) {
    for (const url of generation.images || []) {
      const figure = document.createElement('figure');
      const image = document.createElement('img');
      image.src = url;
      image.title = image.alt = generation.prompt || `request ${generation.request_id}`;
      const caption = document.createElement('figcaption');
      caption.textContent = image.title;
      figure.append(image, caption);
      $('gallery').append(figure);
    }
  }
}
$('refresh-gallery').onclick = loadGallery;

showDefaults();
loadAdapters();
loadGallery();
