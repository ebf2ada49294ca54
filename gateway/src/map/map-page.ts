/**
 * GET /map.html: the live map drawn with Cytoscape.js (served by the gateway from node_modules, no
 * CDN). Columns by kind, left to right as data flows; edge colour is its health; a click on an edge
 * or a node opens its panel (contract, pacts, health reasons, metrics). Refreshed every 5 s.
 * `data-*` attributes on <body> say what was drawn, for the headless-browser test.
 */
export const MAP_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Concord integration map</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d2733; display: grid; grid-template-columns: 1fr 360px; grid-template-rows: auto 1fr; height: 100vh; }
  header { grid-column: 1 / 3; padding: 10px 16px; border-bottom: 1px solid #d8dde3; display: flex; gap: 18px; align-items: baseline; }
  header h1 { font-size: 17px; margin: 0; }
  .pill { border-radius: 10px; padding: 1px 8px; color: #fff; font-size: 12px; }
  .green { background: #2e9d47; } .amber { background: #d99400; } .red { background: #d63a3a; } .unknown { background: #8a939c; }
  #map { min-height: 0; }
  aside { border-left: 1px solid #d8dde3; padding: 12px 16px; overflow: auto; }
  aside h2 { font-size: 15px; margin: 0 0 6px; word-break: break-all; }
  aside table { border-collapse: collapse; width: 100%; }
  aside td { border-top: 1px solid #eef0f3; padding: 3px 4px; vertical-align: top; word-break: break-word; }
  aside td:first-child { color: #5b6570; white-space: nowrap; }
  aside ul { margin: 4px 0; padding-left: 18px; }
  .muted { color: #5b6570; }
</style>
</head>
<body>
<header><h1>Concord integration map</h1><span id="summary" class="muted">loading…</span><span id="updated" class="muted"></span></header>
<div id="map"></div>
<aside id="panel"><p class="muted">Click an edge or a node for its contract, pacts, health and metrics.</p></aside>
<script src="map/cytoscape.min.js"></script>
<script>
const COLUMNS = { partner: 0, gateway: 1, 'api-version': 1, 'system-api': 2, event: 3, consumer: 4, webhooks: 4 };
const NODE_COLOURS = { partner: '#5b7fd6', gateway: '#1d2733', 'api-version': '#7a5bd6', 'system-api': '#3c8c8c', event: '#c47a2c', consumer: '#6d7f3a', webhooks: '#b0468f' };
const COLOURS = { green: '#2e9d47', amber: '#d99400', red: '#d63a3a', unknown: '#b4bac1' };
let cy;
let current = { nodes: [], edges: [] };
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function positions(nodes) {
  const rows = {};
  const at = {};
  for (const n of nodes) {
    const col = COLUMNS[n.kind] ?? 4;
    rows[col] = (rows[col] ?? 0) + 1;
    at[n.id] = { x: col * 300, y: rows[col] * 64 };
  }
  return at;
}

function label(n) {
  const l = n.lifecycle;
  let text = n.label;
  if (l && l.status !== 'current') text += '\\n' + l.status + (l.sunset ? ' · sunset ' + l.sunset : '');
  if (n.subscriptions) text += '\\n' + Object.entries(n.subscriptions).map(([t, c]) => t + ' ×' + c).join(', ');
  return text;
}

function row(name, value) {
  return value === undefined || value === null || value === '' ? '' : '<tr><td>' + esc(name) + '</td><td>' + value + '</td></tr>';
}

function showEdge(e) {
  const h = e.health;
  const m = h.metrics;
  const pacts = e.pacts.length ? '<ul>' + e.pacts.map((p) => '<li>' + esc(p.pact) + ': <b>' + esc(p.status) + '</b> <span class="muted">' + esc(p.reason) + '</span></li>').join('') + '</ul>' : 'none';
  document.getElementById('panel').innerHTML =
    '<h2>' + esc(e.from) + ' → ' + esc(e.to) + '</h2>' +
    '<p><span class="pill ' + h.status + '">' + h.status + '</span> ' + esc(e.kind) + '</p>' +
    (h.reasons.length ? '<ul>' + h.reasons.map((r) => '<li>' + esc(r) + '</li>').join('') + '</ul>' : '') +
    '<table>' +
    row('contract', e.contract && esc(e.contract)) + row('adapter', e.adapter && esc(e.adapter)) + row('event type', e.eventType && esc(e.eventType)) +
    row('pact status', esc(e.pactStatus)) + row('pacts', pacts) +
    row('requests/s', m.requestRate) + row('errors 4xx %', m.errorRatePercent && m.errorRatePercent['4xx']) + row('errors 5xx %', m.errorRatePercent && m.errorRatePercent['5xx']) +
    row('p99 s', m.p99Seconds) + row('last success', m.lastSuccess === null ? 'none in the window' : m.lastSuccess && esc(m.lastSuccess)) + row('circuit', m.circuit && esc(m.circuit)) +
    row('outbox backlog', m.outboxBacklog) + row('oldest unpublished s', m.outboxOldestAgeSeconds) + row('bus connected', m.busConnected) +
    row('consumer lag (messages)', m.consumerPending) + row('DLQ depth', m.deadLetterDepth) + row('deliveries/s', m.deliveriesPerSecond) + row('delivery p99 s', m.deliveryLatencyP99Seconds) +
    '</table>';
}

function showNode(n) {
  const l = n.lifecycle;
  document.getElementById('panel').innerHTML =
    '<h2>' + esc(n.label) + '</h2><p class="muted">' + esc(n.kind) + ' · ' + esc(n.id) + '</p><table>' +
    row('contract version', n.contractVersion && esc(n.contractVersion)) + row('lifecycle', l && esc(l.status)) + row('deprecated since', l && l.deprecation && esc(l.deprecation)) +
    row('sunset', l && l.sunset && esc(l.sunset)) + row('successor', l && l.successor && esc(l.successor)) + row('public event', n.public === undefined ? undefined : String(n.public)) +
    row('subscriptions', n.subscriptions && esc(Object.entries(n.subscriptions).map(([t, c]) => t + ': ' + c).join(', '))) + '</table>';
}

function draw(map) {
  current = map;
  const at = positions(map.nodes);
  const elements = [
    ...map.nodes.map((n) => ({ group: 'nodes', data: { id: n.id, label: label(n), kind: n.kind, colour: NODE_COLOURS[n.kind] ?? '#555' }, position: at[n.id] })),
    ...map.edges.map((e) => ({ group: 'edges', data: { id: e.id, source: e.from, target: e.to, kind: e.kind, colour: COLOURS[e.health.status], status: e.health.status } })),
  ];
  if (!cy) {
    cy = cytoscape({
      container: document.getElementById('map'),
      elements,
      layout: { name: 'preset', padding: 30 },
      wheelSensitivity: 0.3,
      style: [
        { selector: 'node', style: { label: 'data(label)', 'background-color': 'data(colour)', 'font-size': 11, 'text-wrap': 'wrap', 'text-max-width': 200, 'text-valign': 'bottom', 'text-margin-y': 3, width: 18, height: 18 } },
        { selector: 'edge', style: { width: 2.5, 'line-color': 'data(colour)', 'target-arrow-color': 'data(colour)', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier', opacity: 0.9 } },
        { selector: 'edge[kind = "pact"]', style: { 'line-style': 'dashed', width: 1, 'line-color': '#c5cad0', 'target-arrow-color': '#c5cad0', opacity: 0.7 } },
        { selector: 'edge[status = "red"]', style: { width: 4 } },
        { selector: ':selected', style: { 'overlay-opacity': 0.15, 'overlay-color': '#1d2733' } },
      ],
    });
    cy.on('tap', 'edge', (evt) => { const e = current.edges.find((x) => x.id === evt.target.id()); if (e) showEdge(e); });
    cy.on('tap', 'node', (evt) => { const n = current.nodes.find((x) => x.id === evt.target.id()); if (n) showNode(n); });
  } else {
    const ids = new Set(elements.map((el) => el.data.id));
    cy.elements().filter((el) => !ids.has(el.id())).remove();
    for (const el of elements) {
      const existing = cy.getElementById(el.data.id);
      if (existing.nonempty()) existing.data(el.data);
      else cy.add(el);
    }
  }
  const s = map.summary;
  document.getElementById('summary').innerHTML = ['green', 'amber', 'red', 'unknown'].map((k) => '<span class="pill ' + k + '">' + s[k] + ' ' + k + '</span>').join(' ');
  document.getElementById('updated').textContent = 'rates over ' + map.window.sampledSeconds + ' s of ' + map.window.seconds + ' s · ' + map.generatedAt;
  document.body.dataset.nodes = String(cy.nodes().length);
  document.body.dataset.edges = String(cy.edges().length);
  document.body.dataset.red = String(s.red);
}

async function refresh() {
  try {
    const response = await fetch('map', { cache: 'no-store' });
    draw(await response.json());
  } catch (err) {
    document.getElementById('updated').textContent = 'refresh failed: ' + err;
  }
}
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
`;
