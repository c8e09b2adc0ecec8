// Passkey buttons: fetch options, run the ceremony with the bundled SimpleWebAuthn browser
// library (served by stepguard, no CDN), post the result, move on.
(function () {
  function post(url, body, csrf) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body || {}),
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    });
  }
  document.querySelectorAll('[data-sg-passkey]').forEach(function (button) {
    button.addEventListener('click', async function () {
      var mode = button.getAttribute('data-sg-passkey');
      var base = button.getAttribute('data-sg-base');
      var csrf = button.getAttribute('data-sg-csrf');
      var status = document.querySelector('[data-sg-passkey-status]');
      button.disabled = true;
      try {
        var options = await post(base + '/webauthn/' + mode + '/options', {}, csrf);
        if (!options.ok) throw new Error(options.body.error.message);
        var response = mode === 'registration'
          ? await SimpleWebAuthnBrowser.startRegistration({ optionsJSON: options.body })
          : await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options.body });
        var body = { response: response };
        var name = document.querySelector('#sg-passkey-name');
        if (mode === 'registration' && name && name.value) body.nickname = name.value;
        var remember = document.querySelector('#sg-remember-passkey');
        if (mode === 'authentication' && remember && remember.checked) body.remember = true;
        var done = await post(base + '/webauthn/' + mode + '/verify', body, csrf);
        if (!done.ok) throw new Error(done.body.error.message);
        // Where to go is the server's answer (checked by safeReturnTo), never this page's query string.
        var next = typeof done.body.returnTo === 'string' && done.body.returnTo ? done.body.returnTo : '/';
        window.location.assign(mode === 'registration' ? base + '/factors' : next);
      } catch (e) {
        // The page's own words (in its language); the server's English message is only a fallback.
        if (status) status.textContent = button.getAttribute('data-sg-failed') || (e && e.message) || 'The passkey did not work. Try again or use another way.';
        button.disabled = false;
      }
    });
  });
})();
