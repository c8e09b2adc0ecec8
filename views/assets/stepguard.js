// Resend countdown and local times. The page works without it: the server enforces the wait.
(function () {
  var button = document.querySelector('[data-sg-wait]');
  var label = document.querySelector('[data-sg-countdown]');
  if (button && label) {
    var remaining = parseInt(button.getAttribute('data-sg-wait'), 10) || 0;
    // The words come from the page, in its language: "available in {seconds} s".
    var text = label.getAttribute('data-sg-text') || 'available in {seconds} s';
    var tick = function () {
      if (remaining <= 0) { button.disabled = false; label.textContent = ''; return; }
      button.disabled = true;
      label.textContent = text.replace('{seconds}', String(remaining));
      remaining -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }
  // Delivery status: an undelivered message offers a call or another factor without a reload.
  var status = document.querySelector('[data-sg-delivery]');
  if (status && window.fetch) {
    var polls = 0;
    var words = { accepted: 'Sending…', sent: 'Sent to your carrier.', delivered: 'Delivered.', undelivered: 'Not delivered.', failed: 'Not delivered.' };
    try { words = JSON.parse(status.getAttribute('data-sg-words')) || words; } catch (e) { /* keep the English words */ }
    var poll = function () {
      polls += 1;
      fetch(status.getAttribute('data-sg-delivery'), { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) return;
          status.textContent = words[body.status] || '';
          if (body.status === 'undelivered' || body.status === 'failed') {
            var box = document.querySelector('[data-sg-undelivered]');
            if (box) box.hidden = false;
            return;
          }
          if (body.status !== 'delivered' && polls < 40) setTimeout(poll, 3000);
        })
        .catch(function () {});
    };
    setTimeout(poll, 1500);
  }
  // WebOTP: where the browser can read the code from the incoming SMS (its last line is
  // `@host #code`), fill it in and submit. Typing, leaving or submitting by hand aborts it; any
  // failure (no SMS, a refusal, no support) leaves the page exactly as it was.
  var otpInput = document.querySelector('input[data-sg-webotp]');
  if (otpInput && otpInput.form && 'OTPCredential' in window && window.AbortController && navigator.credentials && navigator.credentials.get) {
    var otpForm = otpInput.form;
    var otpAbort = new AbortController();
    var stopOtp = function () { if (!otpAbort.signal.aborted) otpAbort.abort(); };
    // 'input' is typing, pasting or deleting; moving focus with Tab is not.
    otpInput.addEventListener('input', stopOtp);
    otpForm.addEventListener('submit', stopOtp);
    window.addEventListener('pagehide', stopOtp);
    var otpPattern = new RegExp('^(?:' + (otpInput.getAttribute('pattern') || '[0-9]{6}') + ')$');
    try {
      navigator.credentials.get({ otp: { transport: ['sms'] }, signal: otpAbort.signal }).then(function (otp) {
        if (otpAbort.signal.aborted || !otp || typeof otp.code !== 'string' || !otpPattern.test(otp.code)) return;
        otpInput.value = otp.code;
        otpForm.removeEventListener('submit', stopOtp);
        if (otpForm.requestSubmit) otpForm.requestSubmit(); else otpForm.submit();
      }).catch(function () { /* aborted, refused or unsupported: the user types the code */ });
    } catch (e) { /* a browser that throws instead of rejecting: the same silent fallback */ }
  }
  document.querySelectorAll('[data-sg-local-time]').forEach(function (el) {
    var d = new Date(el.getAttribute('datetime'));
    // In the page's language (the nearest lang attribute), not only the browser's.
    var host = el.closest('[lang]');
    if (!isNaN(d)) el.textContent = el.closest('.sg-list') ? d.toLocaleDateString(host ? host.getAttribute('lang') : undefined) : d.toLocaleTimeString(host ? host.getAttribute('lang') : undefined);
  });
})();
