// The enrolment page's passkey offer: shown only where the browser can make a passkey (feature
// detection, no user-agent guessing). Registration runs through stepguard's own routes with the
// bundled SimpleWebAuthn browser library; afterwards the user goes on to where they were going
// (the server checked that address when it wrote the page).
(function () {
  var box = document.querySelector('[data-sg-enrol-passkey]');
  if (!box) return;
  var next = box.getAttribute('data-sg-next') || '/';
  var supported = typeof window.PublicKeyCredential === 'function' && window.isSecureContext !== false && typeof SimpleWebAuthnBrowser !== 'undefined';
  if (!supported) {
    var none = document.querySelector('[data-sg-no-passkey]');
    // An upgrade to a passkey is all the page offers: a browser that cannot make one goes straight on.
    if (box.getAttribute('data-sg-upgrade-only') === 'true') return window.location.replace(next);
    if (none) none.hidden = false;
    return;
  }
  box.hidden = false;
  var button = box.querySelector('#sg-enrol-passkey');
  var status = box.querySelector('[data-sg-passkey-status]');
  var base = box.getAttribute('data-sg-base');
  var csrf = box.getAttribute('data-sg-csrf');
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    });
  }
  button.addEventListener('click', async function () {
    button.disabled = true;
    if (status) status.textContent = '';
    try {
      var options = await post(base + '/webauthn/registration/options', {});
      if (!options.ok) throw new Error(options.body.error.message);
      var response = await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options.body });
      var body = { response: response };
      var name = document.querySelector('#sg-passkey-name');
      if (name && name.value) body.nickname = name.value;
      var done = await post(base + '/webauthn/registration/verify', body);
      if (!done.ok) throw new Error(done.body.error.message);
      window.location.assign(next);
    } catch (e) {
      if (status) status.textContent = box.getAttribute('data-sg-failed') || (e && e.message) || 'The passkey could not be added. Try again.';
      button.disabled = false;
    }
  });
})();
