"""What the page looks like and the little script its rendered links need; served with the page."""

CSS = """
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 14px 16px; margin: 6px 0; }
.qa-card.qa-abstain { border-left: 4px solid #b7791f; }
.qa-card.qa-answered { border-left: 4px solid #2f855a; }
.qa-card.qa-notice { border-left: 4px solid #718096; }
.qa-sentence { font-size: 1.1em; line-height: 1.5; margin: 0 0 8px 0; }
.qa-confidence { display: inline-block; font-size: 0.9em; padding: 1px 8px; border-radius: 10px;
  background: var(--background-fill-secondary); margin-right: 6px; }
.qa-chip { display: inline-block; font-size: 0.9em; padding: 1px 8px; margin: 2px 4px 2px 0; border-radius: 10px;
  border: 1px solid var(--border-color-primary); white-space: nowrap; }
.qa-passage { border-top: 1px solid var(--border-color-primary); padding: 10px 0; }
.qa-passage-head { font-size: 0.9em; color: var(--body-text-color); opacity: 0.8; margin-bottom: 4px; }
.qa-passage mark, .qa-context mark { background: #fdf3c4; color: inherit; padding: 0 1px; }
.qa-context { margin: 6px 0 0 12px; font-size: 0.95em; }
.qa-context p { margin: 6px 0; }
.qa-context .qa-focus { border-left: 3px solid #d69e2e; padding-left: 8px; }
.qa-context .qa-citing { border-left: 3px solid #3182ce; padding-left: 8px; }
.qa-message { margin: 0 0 8px 0; }
.qa-card.qa-unsure { border-left: 4px solid #3182ce; }
.qa-candidates { margin: 4px 0 8px 0; padding-left: 18px; }
.qa-candidates li { margin: 4px 0; }
.qa-where { font-size: 0.85em; opacity: 0.8; }
.qa-asked { margin: 0 0 6px 0; font-size: 0.9em; color: var(--body-text-color); opacity: 0.7; }
.qa-scope { margin: 0 0 6px 0; font-size: 0.95em; }
a.qa-chip { color: inherit; text-decoration: none; }
a.qa-chip:hover, a.qa-chip:focus-visible { border-color: #3182ce; text-decoration: underline; }
a.qa-open:focus-visible, button.qa-pin:focus-visible, button.qa-unpin:focus-visible { outline: 2px solid #3182ce; outline-offset: 2px; }
.qa-passage-tools { margin-top: 4px; font-size: 0.9em; display: flex; gap: 12px; align-items: center; }
.qa-strength { font-size: 0.85em; }
.qa-strength meter { width: 60px; vertical-align: middle; }
button.qa-pin, button.qa-unpin { font-size: 0.85em; padding: 1px 8px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); color: inherit; }
.qa-report .qa-target { background: #fdf3c4; color: #1a202c; outline: 2px solid #d69e2e; border-radius: 4px; }
.qa-hidden-control { display: none !important; }
/* Toasts (pin confirmations) in dark text on white: Gradio's grey and yellow titles fall below 4.5:1. */
.toast-body { background: #ffffff !important; }
.toast-body .toast-title, .toast-body .toast-text { color: #1f2937 !important; }
.qa-scope-chip { display: inline-block; padding: 1px 4px 1px 10px; border-radius: 12px; font-weight: 600;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
button.qa-unscope { border: none; background: none; color: inherit; cursor: pointer; font-size: 1.1em; padding: 0 6px; }
button.qa-unscope:focus-visible { outline: 2px solid #3182ce; outline-offset: 1px; }
.qa-report .qa-missing { border-left: 4px solid #b45309; padding: 4px 10px; margin: 0 0 8px 0; }
/* Contrast of at least 4.5:1 for text on buttons and in the footer (WCAG AA; checked by axe-core in the tests). */
:root, .gradio-container { --button-primary-background-fill: #1e40af; --button-primary-background-fill-hover: #1e3a8a;
  --button-primary-text-color: #ffffff; --button-primary-border-color: #1e40af;
  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b;
  --button-cancel-text-color: #ffffff; --button-cancel-border-color: #b91c1c; --color-accent: #1e40af; }
.gradio-container .subdued, .gradio-container .or { color: #4b5563 !important; opacity: 1 !important; }
footer .show-api, footer a { color: #374151 !important; opacity: 1 !important; }
.qa-reader { max-height: 80vh; overflow-y: auto; padding-right: 6px; }
.qa-report .qa-num { font-weight: 600; margin-right: 4px; }
.qa-report .qa-page { font-size: 0.8em; opacity: 0.75; margin: 10px 0 2px 0; border-top: 1px dashed var(--border-color-primary); }
.qa-report .qa-grade { font-size: 0.85em; padding: 1px 8px; border-radius: 10px; background: var(--background-fill-secondary); margin-left: 6px; }
.qa-report .qa-judgements td, .qa-report .qa-judgements th { padding: 2px 8px; text-align: left; }
.qa-report .qa-report-facts dt { font-weight: 600; float: left; clear: left; margin-right: 6px; }
.qa-report .qa-report-facts dd { margin: 0 0 2px 0; }
.qa-collection table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.qa-collection td, .qa-collection th { border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px; vertical-align: top; text-align: left; }
a.qa-download { margin-right: 16px; }
"""

SCRIPT = """
// The page's links and buttons inside rendered HTML: a chip or ¶ link opens the report view in place (and the
// address bar keeps a link to it); pin and remove buttons change the collection. Each hands its value to a
// hidden textbox and clicks a hidden button, so the server handles it like any other event.
(() => {
  const send = (name, value) => {
    const box = document.querySelector(`#qa-${name}-target textarea, #qa-${name}-target input`);
    const go = document.querySelector(`#qa-${name}-go`);
    if (!box || !go) return;
    box.value = value;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => go.click(), 0);
  };
  const open = (search) => send("open", search);
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.qa-open");
    if (link && !(event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0)) {
      event.preventDefault();
      const url = new URL(link.getAttribute("href"), window.location.href);
      history.pushState({}, "", url.search);
      open(url.search);
      return;
    }
    const pin = event.target.closest("button.qa-pin");
    if (pin) { send("pin", pin.dataset.pin); return; }
    const unpin = event.target.closest("button.qa-unpin");
    if (unpin) { send("unpin", unpin.dataset.index); return; }
    // A report chosen for one question: its × asks that question again, scoped afresh.
    const unscope = event.target.closest("button.qa-unscope");
    const question = document.querySelector("#qa-question textarea, #qa-question input");
    const ask = document.querySelector("#qa-ask");
    if (unscope && question && ask) {
      question.value = unscope.dataset.question;
      question.dispatchEvent(new Event("input", { bubbles: true }));
      setTimeout(() => ask.click(), 0);
    }
  });
  window.addEventListener("popstate", () => {
    if (new URLSearchParams(window.location.search).has("report")) open(window.location.search);
  });
  // "/?view=api" opens the API page, as the footer's "Use via API" link does: Gradio honours the address
  // only once the link has loaded that page, so the address is cleared and the link used once it is there.
  if (new URLSearchParams(window.location.search).get("view") === "api") {
    const params = new URLSearchParams(window.location.search);
    params.delete("view");
    history.replaceState(null, "", `?${params}`);
    const started = Date.now();
    const opener = setInterval(() => {
      const link = [...document.querySelectorAll("footer button, footer a")].find((e) => /via API/.test(e.textContent));
      if (link && document.querySelector("#qa-status")) setTimeout(() => link.click(), 300);
      if ((link && document.querySelector("#qa-status")) || Date.now() - started > 30000) clearInterval(opener);
    }, 200);
  }
  // A report opened at a paragraph or block, however it was asked for: once it is on the page, scroll it
  // into view, move the focus there, and let the address bar name it, so the link can be pasted into a note.
  // A report opened without one starts at its top.
  let shown = null;
  new MutationObserver(() => {
    // The copy box's label wraps its Copy button too, which would take the label: name the box itself.
    const copy = document.querySelector("#qa-copy textarea");
    if (copy && !copy.hasAttribute("aria-label")) copy.setAttribute("aria-label", "Answer with citation, as text");
    // Gradio's toast header is a button holding the toast's close button (nested controls): the close button stays.
    document.querySelectorAll(".toast-header[role='button']").forEach((header) => {
      header.removeAttribute("role");
      header.removeAttribute("tabindex");
    });
    const view = document.querySelector("#qa-report article.qa-report");
    if (!view || !view.offsetParent) return;
    const target = view.querySelector(".qa-target");
    const where = !target ? "" : target.dataset.paragraph ? `&p=${target.dataset.paragraph}` : `&b=${encodeURIComponent(target.dataset.block)}`;
    const key = `${view.dataset.report}|${where}`;
    if (key === shown) return;
    shown = key;
    const search = `?report=${encodeURIComponent(view.dataset.report)}${where}`;
    if (window.location.search !== search) history.pushState({}, "", search);
    const pane = view.closest(".qa-reader");
    if (!target) {
      if (pane) pane.scrollTop = 0;
      return;
    }
    target.setAttribute("tabindex", "-1");
    // Scroll the report's own pane, and the page only as far as needed to show the pane, so the answer
    // beside it stays where it was.
    if (pane) {
      pane.scrollTop += target.getBoundingClientRect().top - pane.getBoundingClientRect().top - pane.clientHeight / 3;
      pane.scrollIntoView({ block: "nearest" });
    } else {
      target.scrollIntoView({ block: "center" });
    }
    target.focus({ preventScroll: true });
  }).observe(document.body, { childList: true, subtree: true });
})();
"""

# The report view's own script (gr.HTML js_on_load): a session's view names the report by its address
# (report_view.render_pane); this asks the server for the report and puts it in the pane, again whenever
# the pane is drawn anew. Gradio redraws by morphing the DOM, so a new address may change only the pane's
# attributes: they are watched too. A pane that moved on meanwhile keeps the newer report.
READER_SCRIPT = """
const fill = () => {
  const pane = element.querySelector(".qa-reader[data-src]");
  if (!pane || pane.dataset.filled === pane.dataset.src) return;
  const src = pane.dataset.src;
  pane.dataset.filled = src;
  server.report_pane(src).then((html) => {
    if (pane.isConnected && pane.dataset.src === src) pane.innerHTML = html;
  });
};
new MutationObserver(fill).observe(element, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-src"] });
fill();
"""

HEAD = f"<script>{SCRIPT}</script>"
