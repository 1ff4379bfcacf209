// Progressive enhancement: a text box that narrows a long list of checkboxes as you type.
// Without JavaScript every checkbox is still there; checked boxes are never hidden.
export function initCheckboxFilters(root = document) {
  for (const group of root.querySelectorAll("[data-app-filter]")) {
    const items = Array.from(group.querySelectorAll(".govuk-checkboxes__item"));
    const wrapper = document.createElement("div");
    wrapper.className = "govuk-form-group";
    const id = `${group.id || "checkboxes"}-filter`;
    wrapper.innerHTML =
      `<label class="govuk-label" for="${id}">Filter the list</label>` +
      `<input class="govuk-input govuk-!-width-two-thirds" id="${id}" type="search" autocomplete="off" spellcheck="false">` +
      `<p class="govuk-body govuk-!-margin-top-2" aria-live="polite" data-app-filter-count></p>`;
    group.prepend(wrapper);
    const input = wrapper.querySelector("input");
    const count = wrapper.querySelector("[data-app-filter-count]");
    input.addEventListener("input", () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const item of items) {
        const text = item.textContent.toLowerCase();
        const box = item.querySelector("input");
        const match = words.every((w) => text.includes(w)) || (box && box.checked);
        item.classList.toggle("govuk-!-display-none", !match);
        if (match) shown += 1;
      }
      count.textContent = words.length ? `${shown} of ${items.length} shown` : "";
    });
  }
}
