// The status page's document. Static: the numbers arrive through /events and page.js fills them in.
// No inline script, style or handler, so the Content-Security-Policy can forbid them all.

/** The HTML of `GET /`: landmarks, headings and empty regions that page.js fills. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>meshd: the mesh at a glance</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/page.css">
<script src="/page.js" defer></script>
</head>
<body>
<a class="skip" href="#clusters-heading">Skip to the clusters</a>
<header class="top">
  <h1>meshd</h1>
  <p id="summary" class="summary" role="status" aria-live="polite">Connecting to the daemon…</p>
  <p id="connection" class="connection" data-state="connecting">live updates: connecting</p>
</header>
<main>
  <section aria-labelledby="overview-heading" class="overview">
    <h2 id="overview-heading">Control plane and endpoints</h2>
    <div id="overview"><p class="muted">No reconcile has reported yet.</p></div>
  </section>
  <section aria-labelledby="clusters-heading">
    <h2 id="clusters-heading">Clusters</h2>
    <ul id="clusters" class="cards" aria-label="clusters"></ul>
  </section>
  <section aria-labelledby="findings-heading">
    <h2 id="findings-heading">Directory findings</h2>
    <div id="findings"><p class="muted">None.</p></div>
  </section>
  <section aria-labelledby="timeline-heading">
    <h2 id="timeline-heading">Timeline <span class="muted small">(last 100 reconciles and changes, newest first)</span></h2>
    <ol id="timeline" class="timeline" aria-label="timeline"></ol>
  </section>
</main>
<footer class="foot"><p class="muted small">Read-only view of <code>/status</code>; the same data as <code>meshd status</code>. Times are shown in your browser's time zone.</p></footer>
</body>
</html>
`;
