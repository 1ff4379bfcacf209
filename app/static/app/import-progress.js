// Progressive enhancement: while an import is being checked or imported, ask the server how far it is every
// second, show it in the progress panel (announced politely to screen readers), and reload the page once the
// step has finished. Without JavaScript the page refreshes itself (a <noscript> meta refresh) and has a link.
// Loaded as <script type="module" src=...> on the batch page only, where it starts by itself.
const INTERVAL_MS = 1000;
const MAX_FAILURES = 10;
// The panel is a polite live region: change its words at most this often, so a screen reader is not flooded.
const ANNOUNCE_EVERY_MS = 5000;

function describe(progress) {
  const rows = Number(progress.rows || 0).toLocaleString("en-GB");
  const percent = Math.round(Number(progress.fraction || 0) * 100);
  return `${rows} ${progress.rows === 1 ? "row" : "rows"} read (${percent}% of the file)`;
}

export function initImportProgress(root = document) {
  const panel = root.querySelector("[data-app-import-progress]");
  if (!panel) return;
  const url = panel.getAttribute("data-app-import-progress");
  const text = panel.querySelector("[data-app-import-progress-text]");
  let failures = 0;
  let announced = 0;

  async function poll() {
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const progress = await response.json();
      failures = 0;
      if (!progress.running) {
        // Say how it ended, so the page can show the same banner an import run while waiting would.
        const finished = encodeURIComponent(progress.status || "");
        window.location.replace(`${window.location.pathname}?finished=${finished}`);
        return;
      }
      const now = Date.now();
      if (text && now - announced >= ANNOUNCE_EVERY_MS) {
        text.textContent = describe(progress);
        announced = now;
      }
    } catch (error) {
      failures += 1;
      if (failures >= MAX_FAILURES) {
        if (text) text.textContent = "We could not get the progress. Refresh the page to see where the import is.";
        return;
      }
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  window.setTimeout(poll, INTERVAL_MS);
}

initImportProgress();
