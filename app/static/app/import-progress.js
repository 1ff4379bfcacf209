// Progressive enhancement: while an import is being checked or imported, ask the server how far it is every
// second and move the progress bar (a <progress> element) and the figures in words beside it, then reload the page
// once the step has finished. The words come from the server (one wording for the page, the bar and the log).
// A separate polite live region carries the figures too, updated at once and then at most every few seconds, so a
// screen reader is kept informed without being flooded. Without JavaScript the page refreshes itself (a <noscript> meta refresh).
// Loaded as <script type="module" src=...> on the batch page only, where it starts by itself.
const INTERVAL_MS = 1000;
const MAX_FAILURES = 10;
const ANNOUNCE_EVERY_MS = 10000;

export function initImportProgress(root = document) {
  const panel = root.querySelector("[data-app-import-progress]");
  if (!panel) return;
  const url = panel.getAttribute("data-app-import-progress");
  const bar = panel.querySelector("[data-app-import-progress-bar]");
  const words = panel.querySelector("[data-app-import-progress-words]");
  const announcer = panel.querySelector("[data-app-import-progress-announce]");
  let failures = 0;
  // The region starts with the figures the page was drawn with; the first new figures are announced at once.
  let announced = 0;

  function show(progress) {
    if (bar) {
      bar.value = Number(progress.percent || 0);
      bar.textContent = `${bar.value}%`;
    }
    if (words && progress.words) words.textContent = progress.words;
    const now = Date.now();
    if (announcer && progress.words && now - announced >= ANNOUNCE_EVERY_MS) {
      announcer.textContent = progress.words;
      announced = now;
    }
  }

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
      show(progress);
      if (!progress.running) {
        if (announcer) announcer.textContent = "Finished. The page is loading the results.";
        // The same address: it says the officer is waiting for this step, so the page says how it ended.
        window.location.replace(window.location.href.split("#")[0]);
        return;
      }
    } catch (error) {
      failures += 1;
      if (failures >= MAX_FAILURES) {
        const message = "We could not get the progress. Refresh the page to see where the import is.";
        if (words) words.textContent = message;
        if (announcer) announcer.textContent = message;
        return;
      }
    }
    window.setTimeout(poll, INTERVAL_MS);
  }

  window.setTimeout(poll, INTERVAL_MS);
}

initImportProgress();
