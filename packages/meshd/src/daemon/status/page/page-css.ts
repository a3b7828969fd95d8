// The status page's style sheet (served as /page.css): light and dark by prefers-color-scheme, one
// column on a phone, a grid of cards on a laptop. Colours meet WCAG AA contrast in both schemes.

/** The CSS of `GET /page.css`. */
export const PAGE_CSS = `:root {
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --card: #f6f8fa; --line: #d0d7de;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --accent: #0550ae; --badge-fg: #ffffff;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --card: #161b22; --line: #30363d;
    --ok: #3fb950; --warn: #d29922; --bad: #ff7b72; --accent: #79c0ff; --badge-fg: #0d1117;
  }
}
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 16px; line-height: 1.45; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.5rem; z-index: 2; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1.5rem; padding: 1rem 1.25rem; border-bottom: 1px solid var(--line); }
.top h1 { margin: 0; font-size: 1.4rem; }
.summary { margin: 0; font-weight: 600; flex: 1 1 20rem; }
.connection { margin: 0; font-size: 0.875rem; color: var(--muted); }
.connection[data-state="live"]::before { content: "● "; color: var(--ok); }
.connection[data-state="connecting"]::before, .connection[data-state="lost"]::before { content: "● "; color: var(--warn); }
main { padding: 0 1.25rem 2rem; max-width: 90rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.75rem; }
.muted { color: var(--muted); }
.small { font-size: 0.875rem; font-weight: normal; }
.cards { list-style: none; padding: 0; margin: 0; display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; }
.card[data-tone="ok"] { border-left-color: var(--ok); }
.card[data-tone="warn"] { border-left-color: var(--warn); }
.card[data-tone="bad"] { border-left-color: var(--bad); }
.card h3 { margin: 0 0 0.5rem; font-size: 1.05rem; display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
.badge { display: inline-block; padding: 0 0.5rem; border-radius: 1rem; font-size: 0.8rem; font-weight: 600; color: var(--badge-fg); background: var(--muted); }
.badge[data-tone="ok"] { background: var(--ok); }
.badge[data-tone="warn"] { background: var(--warn); }
.badge[data-tone="bad"] { background: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.75rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.error { margin: 0.5rem 0 0; color: var(--bad); overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; max-width: 44rem; margin-top: 0.75rem; }
caption { text-align: left; }
th, td { text-align: left; padding: 0.3rem 0.75rem 0.3rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
.findings { margin: 0; padding-left: 1.25rem; }
.findings li[data-severity="error"] { color: var(--bad); }
.timeline { list-style: none; margin: 0; padding: 0; max-width: 60rem; }
.timeline li { display: grid; grid-template-columns: 7.5rem 1fr; gap: 0.75rem; padding: 0.3rem 0; border-bottom: 1px solid var(--line); }
.timeline li[data-problem="true"] .what { color: var(--bad); }
.timeline li.fresh { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: var(--card); } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { .timeline li.fresh { animation: none; } }
.foot { padding: 1rem 1.25rem; border-top: 1px solid var(--line); }
@media (max-width: 40rem) {
  html { font-size: 15px; }
  .cards { grid-template-columns: 1fr; }
  .timeline li { grid-template-columns: 1fr; gap: 0; }
}
`;
