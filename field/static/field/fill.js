// The fill page (decision 0058): ODK Web Forms renders the XForm /openrosa/ serves Collect, reads the
// hazards file with the session, and sends the instance to /openrosa/submission as Collect does (the
// multipart parts Web Forms builds: xml_submission_file and the attached images), with the CSRF token.
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from '@getodk/web-forms';

const config = JSON.parse(document.getElementById('fill-config').textContent);
const mount = document.getElementById('fill-form');
const status = document.getElementById('fill-status');

function say(text, outcome) {
  status.textContent = text;  // text, never markup: the server's message may quote an answer
  status.dataset.outcome = outcome;
  status.className = outcome === 'sent' ? 'messages success' : 'messages error';
}

// The form names its media as jr://file-csv/hazards.csv; the server serves them per form.
function fetchFormAttachment(url) {
  const name = String(url).split('/').pop();
  return fetch(config.mediaUrl.replace('FILE', encodeURIComponent(name)), { credentials: 'same-origin' });
}

function messageOf(xml) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const el = doc.getElementsByTagName('message')[0];
  return el ? el.textContent : '';
}

async function send(payload, callback) {
  let response;
  try {
    response = await fetch(config.submissionUrl, {
      method: 'POST',
      body: payload.data[0],
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': config.csrfToken, 'X-OpenRosa-Version': '1.0' },
    });
  } catch (err) {
    say(mount.dataset.offline, 'offline');
    callback({ status: 'failure' });
    return;
  }
  const text = messageOf(await response.text()) || String(response.status);
  if (response.status === 201 || response.status === 202) {
    say(text, 'sent');
    callback({ status: 'success', next: POST_SUBMIT__NEW_INSTANCE });
  } else {
    say(text, 'refused');
    callback({ status: 'failure' });
  }
  status.scrollIntoView({ block: 'nearest' });
}

mount.textContent = '';
const app = createApp({
  render: () => h(OdkWebForm, {
    formXml: config.formXml,
    fetchFormAttachment,
    onSubmit: send,
  }),
});
app.use(webFormsPlugin);
app.mount(mount);
