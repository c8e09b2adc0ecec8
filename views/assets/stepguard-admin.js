/* The admin overview's time chart: reads the page's JSON block (no inline script) and draws it
 * with uPlot. Each series has its own dash pattern and point shape, and the legend names it,
 * so the chart reads without colour; the same numbers are in the page's tables. */
(function () {
  'use strict';
  var holder = document.getElementById('sg-admin-chart');
  var source = document.getElementById('sg-admin-data');
  if (!holder || !source || typeof window.uPlot !== 'function') return;
  var data;
  try { data = JSON.parse(source.textContent || 'null'); } catch (e) { return; }
  if (!data || !data.t || data.t.length === 0) {
    holder.textContent = holder.getAttribute('data-sg-empty') || '';
    return;
  }
  var style = getComputedStyle(holder);
  var fg = style.color || '#1b1d22';
  var accent = style.getPropertyValue('--_accent').trim() || '#2456d6';
  function pointsOf(shape) {
    // A square or triangle marker, drawn on the canvas: distinguishable in greyscale.
    if (shape === 'circle') return { show: true, size: 7, fill: accent };
    return {
      show: true,
      size: 8,
      paths: function (u, seriesIdx, idx0, idx1) {
        var path = new Path2D();
        var xs = u.data[0], ys = u.data[seriesIdx], s = 4 * devicePixelRatio;
        for (var i = idx0; i <= idx1; i++) {
          if (ys[i] == null) continue;
          var x = u.valToPos(xs[i], 'x', true), y = u.valToPos(ys[i], 'y', true);
          if (shape === 'square') path.rect(x - s, y - s, 2 * s, 2 * s);
          else { path.moveTo(x, y - s); path.lineTo(x + s, y + s); path.lineTo(x - s, y + s); path.closePath(); }
        }
        return { fill: path, stroke: path };
      },
    };
  }
  var width = Math.max(280, holder.clientWidth || 600);
  var opts = {
    width: width,
    height: 260,
    axes: [{ stroke: fg }, { stroke: fg, label: holder.getAttribute('data-sg-axis') || '' }],
    scales: { x: { time: true } },
    series: [
      {},
      { label: holder.getAttribute('data-sg-series-sent') || 'Sends', stroke: accent, width: 2, points: pointsOf('circle') },
      { label: holder.getAttribute('data-sg-series-verified') || 'Verified', stroke: fg, width: 2, dash: [8, 4], points: pointsOf('square') },
      { label: holder.getAttribute('data-sg-series-refused') || 'Refused', stroke: fg, width: 2, dash: [2, 4], points: pointsOf('triangle') },
    ],
  };
  new window.uPlot(opts, [data.t, data.sent, data.verified, data.refused], holder);
  holder.setAttribute('data-sg-chart', 'drawn');
})();
