/**
 * The dashboard's one stylesheet, as text so `deno compile` carries it. Light and dark themes
 * follow `prefers-color-scheme`; layouts wrap rather than scroll sideways at phone width.
 * @module
 */

/** CSS served at `/assets/style.css`. */
export const STYLE_CSS = `
:root{color-scheme:light dark;--bg:#f7f7f5;--fg:#1c1d1f;--muted:#5c6068;--card:#fff;
--line:#d9dbe0;--accent:#1f5fbf;--ok:#1d7a3a;--bad:#b42318;--warn:#9a6700;--win:#cfe6d6;
--plan:#1f5fbf;--focus:#ff9f1c}
@media (prefers-color-scheme:dark){:root{--bg:#15171a;--fg:#e8e9eb;--muted:#a0a5ad;--card:#1e2125;
--line:#353a41;--accent:#7aa7ff;--ok:#5cc27f;--bad:#ff7b72;--warn:#e3b341;--win:#25462f;--plan:#7aa7ff}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--card);padding:6px}
header.top{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center;padding:10px 16px;
background:var(--card);border-bottom:1px solid var(--line)}
header.top .brand{font-weight:700;text-decoration:none;color:var(--fg);margin-right:8px}
header.top nav{display:flex;flex-wrap:wrap;gap:4px 14px}
header.top form{margin-left:auto}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.45rem;margin:.2em 0 .6em}h2{font-size:1.15rem;margin:1.4em 0 .5em}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;
margin:0 0 12px}
.muted{color:var(--muted)}.small{font-size:.87rem}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600}
@media (max-width:700px){table.rows thead{display:none}table.rows tr{display:block;
border-bottom:1px solid var(--line);padding:6px 0}table.rows td{display:block;border:0;padding:2px 4px}
table.rows td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);font-size:.85rem}}
.badge{display:inline-block;padding:0 7px;border-radius:10px;font-size:.82rem;border:1px solid var(--line)}
.s-active,.s-succeeded,.s-open{color:var(--ok);border-color:currentColor}
.s-failed,.s-deleted,.s-closed{color:var(--bad);border-color:currentColor}
.s-paused,.s-waiting_window,.s-skipped,.s-cancelled{color:var(--warn);border-color:currentColor}
.s-running,.s-pending{color:var(--accent);border-color:currentColor}
form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}
button,.button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid var(--line);
background:var(--card);color:var(--fg);cursor:pointer;text-decoration:none;display:inline-block}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}
@media (prefers-color-scheme:dark){button.primary{color:#0b1020}}
button.danger{color:var(--bad);border-color:var(--bad)}
input,select,textarea{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);
border-radius:6px;padding:5px 8px;max-width:100%}
input[type=text],input[type=url],input[type=password],input[type=search],textarea{width:100%}
label{display:block;font-weight:600;font-size:.9rem;margin:.6em 0 .2em}
label.check{display:inline-flex;gap:4px;font-weight:400;margin-right:10px}
fieldset{border:1px solid var(--line);border-radius:8px;margin:0 0 12px;padding:8px 12px;min-width:0}
legend{font-weight:700;padding:0 4px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:0 16px}
.field-error{color:var(--bad);font-size:.88rem;margin:.2em 0}
.error-summary{border-color:var(--bad)}
.hint{color:var(--muted);font-size:.85rem;margin:.2em 0}
.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end}
.filters label{margin:0 0 .2em}
dl.kv{display:grid;grid-template-columns:minmax(110px,max-content) 1fr;gap:4px 14px;margin:0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
progress{width:100%;height:14px;accent-color:var(--accent)}
.file{margin:6px 0}.file .name{font-family:ui-monospace,monospace;font-size:.86rem}
.timeline{width:100%;height:auto;display:block}
.timeline .win{fill:var(--win)}.timeline .plan{fill:var(--plan)}
.timeline .grid{stroke:var(--line)}.timeline text{fill:var(--muted);font-size:11px}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:.85rem}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
.sw.win{background:var(--win)}.sw.plan{background:var(--plan)}
.bar{height:14px;background:var(--line);border-radius:7px;overflow:hidden}
.pager{display:flex;gap:12px;margin:8px 0}
ol.states{padding-left:1.2em;margin:0}
code,pre{font-family:ui-monospace,monospace;font-size:.88rem}
pre{white-space:pre-wrap;margin:0}
.live{min-height:1.2em}
`;
