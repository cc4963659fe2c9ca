// Progressive enhancement: a "Print" button where the page offers one (hidden without JavaScript,
// where the browser's own print command does the same).
for (const button of document.querySelectorAll('[data-connector-print]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
