// The spend band questions: answers revealed by a radio, and the VAT question shown only when a limit is an amount.
//
// GOV.UK Frontend's radios put aria-expanded on each radio that reveals an answer, which ARIA does not allow on a
// radio (axe-core reports it). Here the revealed answer follows its radio in the page and the radio names it with
// aria-controls, which is allowed. Without JavaScript every answer and the VAT question stay on the page.
export function initBandQuestions(root = document) {
  const revealing = Array.from(root.querySelectorAll('input[type="radio"][data-app-reveal]'));
  const vat = root.querySelector("[data-app-vat-question]");
  const limits = Array.from(root.querySelectorAll('input[type="radio"][data-app-limit="amount"]'));
  for (const radio of revealing) {
    radio.setAttribute("aria-controls", radio.getAttribute("data-app-reveal"));
  }
  const sync = () => {
    for (const radio of revealing) {
      const answer = document.getElementById(radio.getAttribute("data-app-reveal"));
      if (answer) answer.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
    }
    if (vat) vat.hidden = limits.length > 0 && !limits.some((radio) => radio.checked);
  };
  root.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type === "radio") sync();
  });
  window.addEventListener("pageshow", sync);
  sync();
}
