// Resend countdown and local times. The page works without it: the server enforces the wait.
(function () {
  var button = document.querySelector('[data-sg-wait]');
  var label = document.querySelector('[data-sg-countdown]');
  if (button && label) {
    var remaining = parseInt(button.getAttribute('data-sg-wait'), 10) || 0;
    var tick = function () {
      if (remaining <= 0) { button.disabled = false; label.textContent = ''; return; }
      button.disabled = true;
      label.textContent = 'available in ' + remaining + ' s';
      remaining -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  }
  document.querySelectorAll('[data-sg-local-time]').forEach(function (el) {
    var d = new Date(el.getAttribute('datetime'));
    if (!isNaN(d)) el.textContent = d.toLocaleTimeString();
  });
})();
